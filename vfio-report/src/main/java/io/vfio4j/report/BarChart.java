package io.vfio4j.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Grouped bars: one group per category (a lifecycle step, a kernel), one bar per series (what
 * vfio4j computes, what libvirt sets). Each bar's exact value is its tooltip.
 */
public final class BarChart {
    private BarChart() {}

    public static Builder builder() {
        return new Builder();
    }

    private record Series(String name, long[] values) {}

    /** Collects the chart's parts; {@link #build()} draws it. */
    public static final class Builder {
        private String title = "";
        private String yLabel = "";
        private Unit yUnit = Unit.COUNT;
        private List<String> categories = List.of();
        private final List<Series> series = new ArrayList<>();

        private Builder() {}

        public Builder title(String title) {
            this.title = Objects.requireNonNull(title);
            return this;
        }

        public Builder yLabel(String label) {
            this.yLabel = Objects.requireNonNull(label);
            return this;
        }

        public Builder yUnit(Unit unit) {
            this.yUnit = Objects.requireNonNull(unit);
            return this;
        }

        public Builder categories(List<String> categories) {
            this.categories = List.copyOf(categories);
            return this;
        }

        /** One value per category; negative values are not drawn (no value). Copied. */
        public Builder series(String name, long[] values) {
            series.add(new Series(Objects.requireNonNull(name), values.clone()));
            return this;
        }

        public Svg build() {
            for (Series s : series) {
                if (s.values.length != categories.size()) {
                    throw new IllegalArgumentException(
                            "series "
                                    + s.name
                                    + " has "
                                    + s.values.length
                                    + " values for "
                                    + categories.size()
                                    + " categories");
                }
            }
            long max = 1;
            for (Series s : series) {
                for (long v : s.values) {
                    max = Math.max(max, v);
                }
            }
            long step = yUnit.step(max, 6);
            long top = max % step == 0 ? max : max - max % step + step;
            SvgCanvas c = new SvgCanvas(title);
            c.yAxis(top, yUnit, yLabel);
            c.xAxisLine("");
            int groups = Math.max(1, categories.size());
            double groupWidth = (double) SvgCanvas.plotWidth() / groups;
            double barWidth = groupWidth * 0.8 / Math.max(1, series.size());
            double base = SvgCanvas.TOP + SvgCanvas.plotHeight();
            for (int g = 0; g < categories.size(); g++) {
                double gx = SvgCanvas.LEFT + g * groupWidth + groupWidth * 0.1;
                for (int s = 0; s < series.size(); s++) {
                    long v = series.get(s).values[g];
                    if (v < 0) {
                        continue;
                    }
                    double h = (double) v / top * SvgCanvas.plotHeight();
                    c.rect(
                            gx + s * barWidth,
                            base - h,
                            barWidth - 2,
                            h,
                            Palette.colour(s),
                            series.get(s).name + ", " + categories.get(g) + ": " + yUnit.label(v));
                }
                c.text(gx + groupWidth * 0.4, base + 18, categories.get(g), "middle", "");
            }
            for (int s = 0; s < series.size(); s++) {
                c.legend(s, Palette.colour(s), false, series.get(s).name);
            }
            return c.finish();
        }
    }
}
