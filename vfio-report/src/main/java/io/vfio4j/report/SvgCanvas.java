package io.vfio4j.report;

import java.util.Locale;

/** Writes SVG elements; every text and attribute value it is given is escaped here. */
final class SvgCanvas {
    static final int WIDTH = 960;
    static final int HEIGHT = 380;
    static final int LEFT = 84;
    static final int RIGHT = 150;
    // A legend text is about this wide per character at font-size 12 (sans-serif); a longer legend
    // widens the picture instead of being cut at its edge.
    private static final double CHAR_WIDTH = 7.0;
    static final int TOP = 44;
    static final int BOTTOM = 56;

    private final StringBuilder out = new StringBuilder(8192);
    private final String title;
    private double right = WIDTH;

    SvgCanvas(String title) {
        this.title = title;
        text(LEFT, 22, title, "start", "font-size=\"15\" font-weight=\"bold\"");
    }

    static int plotWidth() {
        return WIDTH - LEFT - RIGHT;
    }

    static int plotHeight() {
        return HEIGHT - TOP - BOTTOM;
    }

    static String num(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    void line(double x1, double y1, double x2, double y2, String style) {
        out.append("<line x1=\"")
                .append(num(x1))
                .append("\" y1=\"")
                .append(num(y1))
                .append("\" x2=\"")
                .append(num(x2))
                .append("\" y2=\"")
                .append(num(y2))
                .append("\" ")
                .append(style)
                .append("/>");
    }

    void text(double x, double y, String text, String anchor, String extra) {
        out.append("<text x=\"")
                .append(num(x))
                .append("\" y=\"")
                .append(num(y))
                .append("\" text-anchor=\"")
                .append(anchor)
                .append('"');
        if (!extra.isEmpty()) {
            out.append(' ').append(extra);
        }
        out.append('>').append(Escape.text(text)).append("</text>");
    }

    void rect(double x, double y, double w, double h, String fill, String tooltip) {
        out.append("<rect x=\"")
                .append(num(x))
                .append("\" y=\"")
                .append(num(y))
                .append("\" width=\"")
                .append(num(w))
                .append("\" height=\"")
                .append(num(h))
                .append("\" fill=\"")
                .append(fill)
                .append("\">");
        if (!tooltip.isEmpty()) {
            out.append("<title>").append(Escape.text(tooltip)).append("</title>");
        }
        out.append("</rect>");
    }

    void circle(double x, double y, double r, String cssClass, String tooltip) {
        out.append("<circle class=\"")
                .append(cssClass)
                .append("\" cx=\"")
                .append(num(x))
                .append("\" cy=\"")
                .append(num(y))
                .append("\" r=\"")
                .append(num(r))
                .append("\" fill=\"#c62828\"><title>")
                .append(Escape.text(tooltip))
                .append("</title></circle>");
    }

    void path(String d, String cssClass, String stroke, String name) {
        out.append("<path class=\"")
                .append(cssClass)
                .append("\" d=\"")
                .append(d)
                .append("\" fill=\"none\" stroke=\"")
                .append(stroke)
                .append("\" stroke-width=\"2\"><title>")
                .append(Escape.text(name))
                .append("</title></path>");
    }

    /** The y axis with round ticks of {@code unit} from 0 to {@code top}, and its label. */
    void yAxis(long top, Unit unit, String label) {
        long step = unit.step(top, 6);
        for (long v = 0; v <= top; v += step) {
            double y = TOP + plotHeight() - (double) v / top * plotHeight();
            line(LEFT, y, LEFT + plotWidth(), y, "stroke=\"#e0e0e0\"");
            text(LEFT - 6, y + 4, unit.label(v), "end", "");
            if (v > Long.MAX_VALUE - step) {
                break;
            }
        }
        line(LEFT, TOP, LEFT, TOP + plotHeight(), "stroke=\"#333\"");
        text(
                16,
                TOP + plotHeight() / 2.0,
                label,
                "middle",
                "transform=\"rotate(-90 16 " + num(TOP + plotHeight() / 2.0) + ")\"");
    }

    void xAxisLine(String label) {
        line(LEFT, TOP + plotHeight(), LEFT + plotWidth(), TOP + plotHeight(), "stroke=\"#333\"");
        text(LEFT + plotWidth() / 2.0, HEIGHT - 10, label, "middle", "");
    }

    /** A legend entry at the right of the plot, {@code index} lines down. */
    void legend(int index, String colour, boolean dashed, String name) {
        double y = TOP + 10 + index * 20;
        double x = LEFT + plotWidth() + 14;
        line(
                x,
                y,
                x + 22,
                y,
                "stroke=\""
                        + colour
                        + "\" stroke-width=\"2\""
                        + (dashed ? " stroke-dasharray=\"6 4\"" : ""));
        text(x + 28, y + 4, name, "start", "");
        right = Math.max(right, Math.ceil(x + 28 + name.length() * CHAR_WIDTH + 8));
    }

    Svg finish() {
        long width = (long) right;
        StringBuilder svg = new StringBuilder(out.length() + 400);
        svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ")
                .append(width)
                .append(' ')
                .append(HEIGHT)
                .append("\" width=\"")
                .append(width)
                .append("\" height=\"")
                .append(HEIGHT)
                .append("\" role=\"img\" aria-label=\"")
                .append(Escape.text(title))
                .append("\" font-family=\"sans-serif\" font-size=\"12\">")
                .append("<title>")
                .append(Escape.text(title))
                .append("</title>")
                .append(out)
                .append("</svg>");
        return new Svg(svg.toString());
    }
}
