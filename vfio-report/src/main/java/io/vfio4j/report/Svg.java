package io.vfio4j.report;

/**
 * An SVG drawing made by this module's charts. Only the charts create one, so every piece of text
 * in it has been escaped: a page can embed it as markup without trusting its caller.
 */
public final class Svg {
    private final String markup;

    Svg(String markup) {
        this.markup = markup;
    }

    /** The {@code <svg>} element, with its own namespace, ready to embed or to save as a file. */
    public String markup() {
        return markup;
    }

    @Override
    public String toString() {
        return markup;
    }
}
