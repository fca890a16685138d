package io.vfio4j.examples.drivers;

import io.vfio4j.api.DmaProt;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimIommuDomain;
import io.vfio4j.host.SimIommuGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A simulated passthrough PCI device (a physical GPU) that does DMA the way hardware does: every
 * access goes through the IOMMU domain its group is attached to, page by page. An IOVA that does
 * not translate, or lacks the access, is a DMA fault: the whole access is refused before any byte
 * moves, the fault is logged in {@link #faults()} and {@link DmaFaultException} is thrown. A group
 * in no domain (not attached to a container with a type1 backend) faults on every access.
 */
public final class PassthroughGpu {
    private final SimHost host;
    private final SimIommuGroup group;
    private final String device;
    private final List<DmaFault> faults = new ArrayList<>();

    public PassthroughGpu(SimHost host, SimIommuGroup group, String device) {
        this.host = Objects.requireNonNull(host, "host");
        this.group = Objects.requireNonNull(group, "group");
        this.device = Objects.requireNonNull(device, "device");
        if (!group.devices().contains(device)) {
            throw new IllegalArgumentException(device + " is not in " + group);
        }
    }

    public String device() {
        return device;
    }

    public SimIommuGroup group() {
        return group;
    }

    /**
     * The device reads {@code length} bytes of memory at {@code iova}.
     *
     * @throws DmaFaultException if any page does not translate for reading
     */
    public byte[] dmaRead(long iova, int length) {
        long[] phys = translate(iova, length, false);
        byte[] out = new byte[length];
        copy(iova, phys, out, false);
        return out;
    }

    /**
     * The device writes {@code data} to memory at {@code iova}.
     *
     * @throws DmaFaultException if any page does not translate for writing
     */
    public void dmaWrite(long iova, byte[] data) {
        long[] phys = translate(iova, data.length, true);
        copy(iova, phys, data, true);
        // The IOMMU marks what it let the device write (dirty tracking, if running).
        group.simDomain().ifPresent(d -> d.recordDmaWrite(iova, data.length));
    }

    /** The faults this device raised, oldest first. */
    public synchronized List<DmaFault> faults() {
        return List.copyOf(faults);
    }

    /** Translates every page first, so a faulting access moves no byte. */
    private long[] translate(long iova, int length, boolean write) {
        long p = host.pageSize();
        Optional<SimIommuDomain> domain = group.simDomain();
        if (domain.isEmpty()) {
            throw fault(iova, write, "group " + group.id() + " is in no IOMMU domain");
        }
        long first = iova & -p;
        int pages = (int) ((iova + Math.max(length, 1) - 1 - first) / p + 1);
        long[] phys = new long[pages];
        int need = write ? DmaProt.WRITE : DmaProt.READ;
        for (int i = 0; i < pages; i++) {
            long page = first + i * p;
            long pa = domain.get().translate(page);
            if (pa < 0) {
                throw fault(Math.max(page, iova), write, "iova not mapped");
            }
            if (!DmaProt.allows(domain.get().protection(page), need)) {
                throw fault(Math.max(page, iova), write, "mapping lacks " + DmaProt.toString(need));
            }
            phys[i] = pa;
        }
        return phys;
    }

    private void copy(long iova, long[] phys, byte[] buf, boolean write) {
        long p = host.pageSize();
        int done = 0;
        long at = iova;
        for (int i = 0; done < buf.length; i++) {
            int n = (int) Math.min(buf.length - done, p - (at & (p - 1)));
            long pa = phys[i] + (at & (p - 1));
            if (write) {
                host.memory().write(pa, buf, done, n);
            } else {
                host.memory().read(pa, buf, done, n);
            }
            done += n;
            at += n;
        }
    }

    private synchronized DmaFaultException fault(long iova, boolean write, String reason) {
        DmaFault f = new DmaFault(device, iova, write, reason);
        faults.add(f);
        return new DmaFaultException(f);
    }

    @Override
    public String toString() {
        return "passthrough GPU " + device + " in " + group;
    }
}
