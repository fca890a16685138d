package io.vfio4j.cli.scenario;

import io.vfio4j.api.DmaUnmapListener;
import io.vfio4j.core.VfioDevice;
import io.vfio4j.core.VfioDeviceDriver;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The vendor driver of a scenario's mdevs. Its pins are the ones the scenario's pin and unpin steps
 * make; it remembers them per IOVA (with references) so it can honour the DMA-unmap contract the
 * way its {@link Model.Vendor} behaviour says.
 */
final class ScenarioVendor implements VfioDeviceDriver {
    private final Model.Vendor behaviour;
    private final long pageSize;
    private final int maxPages;
    private final TreeMap<Long, Integer> pins = new TreeMap<>(Long::compareUnsigned);
    private VfioDevice device;
    private long unmapNotifications;

    ScenarioVendor(Model.Vendor behaviour, long pageSize) {
        this.behaviour = behaviour;
        this.pageSize = pageSize;
        this.maxPages = (int) (pageSize / 8);
    }

    Model.Vendor behaviour() {
        return behaviour;
    }

    long unmapNotifications() {
        return unmapNotifications;
    }

    @Override
    public void open(VfioDevice d) {
        this.device = d;
    }

    @Override
    public void close(VfioDevice d) {
        if (behaviour != Model.Vendor.LEAKS_ON_CLOSE) {
            unpinRange(0, -1L);
        }
        // A leaking driver forgets its pins; vfio4j reclaims them when the group leaves.
        pins.clear();
    }

    @Override
    public Optional<DmaUnmapListener> dmaUnmapListener() {
        return Optional.of(this::dmaUnmap);
    }

    private void dmaUnmap(long iova, long length) {
        unmapNotifications++;
        if (behaviour == Model.Vendor.IGNORES_UNMAP) {
            return;
        }
        unpinRange(iova, iova + length - 1);
    }

    /** Records a successful pin step of {@code npage} pages from {@code iova}. */
    void pinned(long iova, int npage) {
        for (int i = 0; i < npage; i++) {
            pins.merge(iova + i * pageSize, 1, Integer::sum);
        }
    }

    /** Records an unpin step: references it does not hold are ignored, as the kernel does. */
    void unpinned(long iova, int npage) {
        for (int i = 0; i < npage; i++) {
            pins.computeIfPresent(iova + i * pageSize, (k, v) -> v > 1 ? v - 1 : null);
        }
    }

    /** Pages this driver holds. */
    int heldPages() {
        return pins.size();
    }

    /** Unpins every page it holds in [first, last] (unsigned), in runs of at most 512 pages. */
    private void unpinRange(long first, long last) {
        if (device == null || pins.isEmpty()) {
            return;
        }
        TreeMap<Long, Integer> inRange = new TreeMap<>(Long::compareUnsigned);
        if (Long.compareUnsigned(first, last) <= 0) {
            inRange.putAll(pins.subMap(first, true, last, true));
        }
        while (!inRange.isEmpty()) {
            List<Long> run = new ArrayList<>();
            for (Long iova : inRange.keySet()) {
                if (!run.isEmpty()
                        && (iova != run.get(run.size() - 1) + pageSize || run.size() == maxPages)) {
                    break;
                }
                run.add(iova);
            }
            device.unpinPages(run.get(0), run.size());
            for (Long iova : run) {
                int refs = inRange.get(iova);
                if (refs > 1) {
                    inRange.put(iova, refs - 1);
                } else {
                    inRange.remove(iova);
                }
            }
            unpinned(run.get(0), run.size());
        }
    }
}
