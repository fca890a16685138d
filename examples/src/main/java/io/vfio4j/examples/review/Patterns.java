package io.vfio4j.examples.review;

import java.util.SplittableRandom;

/** Deterministic test data, so every run writes and expects the same bytes. */
final class Patterns {
    private Patterns() {}

    static byte[] bytes(long seed, int length) {
        byte[] out = new byte[length];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < length; i++) {
            out[i] = (byte) r.nextInt(256);
        }
        return out;
    }
}
