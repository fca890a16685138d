package io.vfio4j.tck;

/** What every suite needs from the test class that runs it: the backend configuration. */
public interface BackendUnderTest {
    /** The configuration under test; called once per test, so it may build a fresh one. */
    TckBackend backend();
}
