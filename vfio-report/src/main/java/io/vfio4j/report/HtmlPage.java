package io.vfio4j.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One self-contained HTML report: inline style, no script, nothing fetched from a network, so it
 * can be mailed, attached to a bug or opened offline. All text is escaped; only the module's own
 * {@link Svg} drawings are embedded as markup.
 */
public final class HtmlPage {
    private static final String STYLE =
            "body{font-family:sans-serif;margin:24px auto;max-width:1200px;color:#212121}"
                    + "h1{font-size:22px}h2{font-size:17px;margin-top:28px}"
                    + "p.subtitle{color:#555;margin-top:-8px}"
                    + "table{border-collapse:collapse;font-size:13px}"
                    + "th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;"
                    + "vertical-align:top}"
                    + "th{background:#f0f0f0}td.num{text-align:right}"
                    + "dl.kv{display:grid;grid-template-columns:max-content auto;gap:4px 16px}"
                    + "dl.kv dt{font-weight:bold}dl.kv dd{margin:0}"
                    + ".good{color:#1b5e20}.bad{color:#b71c1c;font-weight:bold}"
                    + "tr.bad td{background:#ffebee}tr.good td{background:#f1f8e9}"
                    + ".muted{color:#777}tr.muted td{color:#777}"
                    + "pre{background:#f7f7f7;padding:8px;overflow-x:auto}"
                    + "figure{margin:0}";

    private final String title;
    private final List<String> parts = new ArrayList<>();

    private HtmlPage(String title) {
        this.title = title;
    }

    /** A page with this title (the document's {@code <title>} and its heading). */
    public static HtmlPage titled(String title) {
        return new HtmlPage(Objects.requireNonNull(title, "title"));
    }

    public HtmlPage subtitle(String text) {
        parts.add("<p class=\"subtitle\">" + Escape.text(text) + "</p>");
        return this;
    }

    public HtmlPage paragraph(String text) {
        parts.add("<p>" + Escape.text(text) + "</p>");
        return this;
    }

    public HtmlPage preformatted(String text) {
        parts.add("<pre>" + Escape.text(text) + "</pre>");
        return this;
    }

    /** A heading and a list of named values. */
    public HtmlPage keyValues(String heading, List<KeyValue> rows) {
        StringBuilder b = new StringBuilder("<section class=\"summary\">");
        heading(b, heading);
        b.append("<dl class=\"kv\">");
        for (KeyValue kv : rows) {
            b.append("<dt>").append(Escape.text(kv.key())).append("</dt><dd");
            cssClass(b, kv.tone());
            b.append('>').append(Escape.text(kv.value())).append("</dd>");
        }
        parts.add(b.append("</dl></section>").toString());
        return this;
    }

    /** A heading and a drawing. */
    public HtmlPage figure(String heading, Svg svg) {
        StringBuilder b = new StringBuilder("<section class=\"figure\">");
        heading(b, heading);
        parts.add(
                b.append("<figure>").append(svg.markup()).append("</figure></section>").toString());
        return this;
    }

    /** A table; cells that read as numbers are right-aligned. */
    public HtmlPage table(Table table) {
        StringBuilder b = new StringBuilder(256 + table.rows().size() * 64);
        b.append("<section class=\"table\">");
        heading(b, table.heading());
        b.append("<table><thead><tr>");
        for (String col : table.columns()) {
            b.append("<th>").append(Escape.text(col)).append("</th>");
        }
        b.append("</tr></thead><tbody>");
        for (Row row : table.rows()) {
            b.append("<tr");
            cssClass(b, row.tone());
            b.append('>');
            for (String cell : row.cells()) {
                b.append(numeric(cell) ? "<td class=\"num\">" : "<td>")
                        .append(Escape.text(cell))
                        .append("</td>");
            }
            b.append("</tr>");
        }
        parts.add(b.append("</tbody></table></section>").toString());
        return this;
    }

    /** The whole document. */
    public String render() {
        StringBuilder b = new StringBuilder(4096);
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>")
                .append("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"/>")
                .append("<title>")
                .append(Escape.text(title))
                .append("</title><style>")
                .append(STYLE)
                .append("</style></head><body><h1>")
                .append(Escape.text(title))
                .append("</h1>\n");
        for (String part : parts) {
            b.append(part).append('\n');
        }
        return b.append("</body></html>\n").toString();
    }

    private static void heading(StringBuilder b, String heading) {
        if (!heading.isEmpty()) {
            b.append("<h2>").append(Escape.text(heading)).append("</h2>");
        }
    }

    private static void cssClass(StringBuilder b, Tone tone) {
        if (tone != Tone.NORMAL) {
            b.append(" class=\"").append(tone.cssClass()).append('"');
        }
    }

    private static boolean numeric(String cell) {
        if (cell.isEmpty()) {
            return false;
        }
        for (int i = 0; i < cell.length(); i++) {
            char c = cell.charAt(i);
            if (!(Character.isDigit(c) || c == ',' || c == '.' || c == '-' || c == '+')) {
                return false;
            }
        }
        return true;
    }
}
