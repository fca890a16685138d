package io.vfio4j.tck;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.DmaUnmapListener;
import io.vfio4j.core.VfioDevice;
import io.vfio4j.core.VfioDeviceDriver;
import io.vfio4j.mdev.ScriptedDevice;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The kit's handle on a cooperative vendor device: mdev-core's well-behaved {@link ScriptedDevice},
 * which remembers every page it pinned, unpins every page it holds in a range when the backend
 * tells it of a DMA unmap (before it returns, as the contract requires), and unpins whatever is
 * left at its last close. The kit pins and unpins through it.
 */
public final class TckVendorDriver {
    /** A DMA-unmap notification: the whole mapping's range. */
    public record Notification(long iova, long length) {}

    private final ScriptedDevice scripted;

    TckVendorDriver(ScriptedDevice scripted) {
        this.scripted = scripted;
    }

    /** The core's driver for a device that is not an mdev (a no-IOMMU group's). */
    static VfioDeviceDriver driverFor(ScriptedDevice scripted) {
        Optional<DmaUnmapListener> listener = Optional.of(scripted::dmaUnmap);
        return new VfioDeviceDriver() {
            @Override
            public void open(VfioDevice device) {
                scripted.open(device);
            }

            @Override
            public void close(VfioDevice device) {
                scripted.close(device);
            }

            @Override
            public Optional<DmaUnmapListener> dmaUnmapListener() {
                return listener;
            }
        };
    }

    /** The open device; pins go through it. */
    public VfioDevice device() {
        return scripted.device();
    }

    /**
     * Pins {@code npage} pages from {@code iova} read-write and remembers them on success.
     *
     * @return the backend's answer, {@code npage}
     */
    public int pin(long iova, int npage) {
        return scripted.pin(iova, npage, DmaProt.RW);
    }

    /**
     * Unpins {@code npage} pages from {@code iova} and forgets one reference of each page it held
     * there. Use {@link #forget} instead when the backend may stop early (a hole in the range).
     */
    public void unpin(long iova, int npage) {
        scripted.unpin(iova, npage);
    }

    /** Drops one remembered reference of each of these pages, where held. */
    public void forget(Collection<Long> pages) {
        for (long p : pages) {
            scripted.forget(p, 1);
        }
    }

    /**
     * Drops one remembered reference of each page of [iova, iova + npage pages) as one range: the
     * part, inside the mapping {@code [mappingIova, + mappingPages pages)}, of one earlier pin,
     * which a backend with exact-range unpin released.
     */
    public void forgetRange(long iova, int npage, long mappingIova, long mappingPages) {
        scripted.forget(iova, npage, mappingIova, mappingPages);
    }

    /** Pages held now, with their references. */
    public Map<Long, Integer> held() {
        TreeMap<Long, Integer> out = new TreeMap<>(Long::compareUnsigned);
        out.putAll(scripted.held());
        return out;
    }

    /** Every DMA-unmap notification received, in order. */
    public List<Notification> notifications() {
        return scripted.notifications().stream()
                .map(n -> new Notification(n.iova(), n.length()))
                .toList();
    }
}
