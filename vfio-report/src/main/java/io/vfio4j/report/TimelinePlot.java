package io.vfio4j.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A step plot of counters over a run (locked_vm against trace line or step number), with horizontal
 * limit lines and markers for refused calls. A series is a step function: {@code y[i]} holds from
 * {@code x[i]} until {@code x[i+1]}, which is how a counter changes between calls.
 */
public final class TimelinePlot {
    /** Above this many points a series is thinned for drawing, keeping each bucket's extremes. */
    static final int MAX_POINTS = 4000;

    private TimelinePlot() {}

    public static Builder builder() {
        return new Builder();
    }

    private record Series(String name, long[] x, long[] y) {}

    private record Limit(String name, long y) {}

    private record Mark(long x, long y, String label) {}

    /** Collects the plot's parts; {@link #build()} draws it. */
    public static final class Builder {
        private String title = "";
        private String xLabel = "";
        private String yLabel = "";
        private Unit xUnit = Unit.COUNT;
        private Unit yUnit = Unit.COUNT;
        private final List<Series> series = new ArrayList<>();
        private final List<Limit> limits = new ArrayList<>();
        private final List<Mark> marks = new ArrayList<>();

        private Builder() {}

        public Builder title(String title) {
            this.title = Objects.requireNonNull(title);
            return this;
        }

        public Builder xLabel(String label) {
            this.xLabel = Objects.requireNonNull(label);
            return this;
        }

        public Builder yLabel(String label) {
            this.yLabel = Objects.requireNonNull(label);
            return this;
        }

        public Builder xUnit(Unit unit) {
            this.xUnit = Objects.requireNonNull(unit);
            return this;
        }

        public Builder yUnit(Unit unit) {
            this.yUnit = Objects.requireNonNull(unit);
            return this;
        }

        /**
         * A step series; {@code x} must be ascending and as long as {@code y}. Arrays are copied.
         */
        public Builder series(String name, long[] x, long[] y) {
            if (x.length != y.length) {
                throw new IllegalArgumentException(
                        "series "
                                + name
                                + ": "
                                + x.length
                                + " x values, "
                                + y.length
                                + " y values");
            }
            for (int i = 1; i < x.length; i++) {
                if (x[i] < x[i - 1]) {
                    throw new IllegalArgumentException(
                            "series " + name + ": x values must ascend (index " + i + ")");
                }
            }
            series.add(new Series(Objects.requireNonNull(name), x.clone(), y.clone()));
            return this;
        }

        /** A horizontal dashed line, such as RLIMIT_MEMLOCK. */
        public Builder limit(String name, long y) {
            limits.add(new Limit(Objects.requireNonNull(name), y));
            return this;
        }

        /** A red marker, such as a refused call; the label is its tooltip. */
        public Builder mark(long x, long y, String label) {
            marks.add(new Mark(x, y, Objects.requireNonNull(label)));
            return this;
        }

        public Svg build() {
            long minX = Long.MAX_VALUE;
            long maxX = Long.MIN_VALUE;
            long maxY = 1;
            for (Series s : series) {
                for (int i = 0; i < s.x.length; i++) {
                    minX = Math.min(minX, s.x[i]);
                    maxX = Math.max(maxX, s.x[i]);
                    maxY = Math.max(maxY, s.y[i]);
                }
            }
            for (Mark m : marks) {
                minX = Math.min(minX, m.x);
                maxX = Math.max(maxX, m.x);
                maxY = Math.max(maxY, m.y);
            }
            for (Limit l : limits) {
                maxY = Math.max(maxY, l.y);
            }
            if (minX == Long.MAX_VALUE) {
                minX = 0;
                maxX = 1;
            }
            if (maxX == minX) {
                maxX = minX + 1;
            }
            long step = yUnit.step(maxY, 6);
            long top = ceilTo(maxY, step);
            Scale scale = new Scale(minX, maxX, top);

            SvgCanvas c = new SvgCanvas(title);
            c.yAxis(top, yUnit, yLabel);
            xTicks(c, scale);
            c.xAxisLine(xLabel);
            int legend = 0;
            for (int i = 0; i < series.size(); i++) {
                Series s = series.get(i);
                String colour = Palette.colour(i);
                if (s.x.length > 0) {
                    c.path(stepPath(s, scale), "series", colour, s.name);
                }
                c.legend(legend++, colour, false, s.name);
            }
            for (Limit l : limits) {
                double y = scale.py(l.y);
                c.line(
                        SvgCanvas.LEFT,
                        y,
                        SvgCanvas.LEFT + SvgCanvas.plotWidth(),
                        y,
                        "class=\"limit\" stroke=\"#c62828\" stroke-width=\"1.5\""
                                + " stroke-dasharray=\"6 4\"");
                c.legend(legend++, "#c62828", true, l.name + " " + yUnit.label(l.y));
            }
            for (Mark m : marks) {
                c.circle(scale.px(m.x), scale.py(m.y), 4.5, "mark", m.label);
            }
            return c.finish();
        }

        private void xTicks(SvgCanvas c, Scale scale) {
            long span = scale.maxX - scale.minX;
            long step = xUnit.step(span, 8);
            long first = ceilTo(scale.minX, step);
            for (long v = first; v <= scale.maxX; v += step) {
                double x = scale.px(v);
                double base = SvgCanvas.TOP + SvgCanvas.plotHeight();
                c.line(x, base, x, base + 5, "stroke=\"#333\"");
                c.text(x, base + 18, xUnit.label(v), "middle", "");
                if (v > Long.MAX_VALUE - step) {
                    break;
                }
            }
        }
    }

    private static long ceilTo(long v, long step) {
        long r = Math.floorMod(v, step);
        return r == 0 ? v : v - r + step;
    }

    static String stepPath(Series s, Scale scale) {
        int[] keep = Thinning.keep(s.y, MAX_POINTS);
        StringBuilder d = new StringBuilder(keep.length * 24);
        int first = keep[0];
        d.append('M')
                .append(SvgCanvas.num(scale.px(s.x[first])))
                .append(' ')
                .append(SvgCanvas.num(scale.py(s.y[first])));
        for (int k = 1; k < keep.length; k++) {
            int i = keep[k];
            d.append('H')
                    .append(SvgCanvas.num(scale.px(s.x[i])))
                    .append('V')
                    .append(SvgCanvas.num(scale.py(s.y[i])));
        }
        d.append('H').append(SvgCanvas.num(scale.px(scale.maxX)));
        return d.toString();
    }

    /** Value to pixel. */
    record Scale(long minX, long maxX, long topY) {
        double px(long x) {
            return SvgCanvas.LEFT + (double) (x - minX) / (maxX - minX) * SvgCanvas.plotWidth();
        }

        double py(long y) {
            return SvgCanvas.TOP
                    + SvgCanvas.plotHeight()
                    - (double) y / topY * SvgCanvas.plotHeight();
        }
    }
}
