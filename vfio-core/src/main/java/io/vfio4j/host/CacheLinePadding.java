package io.vfio4j.host;

/**
 * Superclasses that put 64 bytes in front of a class's fields (superclass fields are laid out
 * first; the padded classes add trailing padding of their own). Used for the few objects one VM's
 * thread writes on every pin and unpin (a frame bank's monitor and pin totals, an address space's
 * {@code locked_vm}): a copying collector places such objects of different VMs next to each other
 * (they hang off shared lists), and two cores writing one cache line serialise (false sharing).
 */
final class CacheLinePadding {
    private CacheLinePadding() {}

    /** 64 bytes between the object header and the fields of the subclass. */
    abstract static class Leading {
        @SuppressWarnings("unused")
        private long p00, p01, p02, p03, p04, p05, p06, p07;
    }

    /** A lock word and its holder after the leading padding, for {@link IsolatedMutex}. */
    abstract static class LeadingLock extends Leading {
        volatile long state;

        /** The holder's thread id, 0 when free; written only by the holder. */
        long owner;

        /** Unlocks left that take the atomic path; written only by the holder. */
        int atomicUnlocks;
    }

    /** A volatile long after the leading padding, for {@link PaddedCounter}. */
    abstract static class LeadingCounter extends Leading {
        volatile long value;
    }
}
