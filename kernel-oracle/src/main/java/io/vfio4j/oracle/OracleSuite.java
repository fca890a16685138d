package io.vfio4j.oracle;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The fixed oracle suite shipped in this jar ({@code suite/type1.ops}): what CI runs. */
public final class OracleSuite {
    public static final String NAME = "suite/type1.ops";

    private OracleSuite() {}

    public static String text() {
        try (InputStream in = OracleSuite.class.getResourceAsStream(NAME)) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ProbeProgram program() {
        return ProbeProgram.parse(NAME, text());
    }
}
