package io.vfio4j.examples.drivers;

/** Guest-physical memory as the guest's CPU sees it (guest physical address = IOVA here). */
public interface GuestMemory {
    void write(long gpa, byte[] data);

    byte[] read(long gpa, int length);
}
