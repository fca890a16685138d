package io.vfio4j.report;

/** Text to HTML and XML: the five characters that could end a text node or an attribute. */
final class Escape {
    private Escape() {}

    static String text(String s) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String rep =
                    switch (c) {
                        case '<' -> "&lt;";
                        case '>' -> "&gt;";
                        case '&' -> "&amp;";
                        case '"' -> "&quot;";
                        case '\'' -> "&#39;";
                        default -> null;
                    };
            if (rep == null && Character.isISOControl(c) && c != '\n' && c != '\t') {
                rep = "\uFFFD"; // control characters are not allowed in XML 1.0 text
            }
            if (rep != null) {
                if (out == null) {
                    out = new StringBuilder(s.length() + 16).append(s, 0, i);
                }
                out.append(rep);
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? s : out.toString();
    }
}
