package io.vfio4j.type1;

import io.vfio4j.api.VendorLeak;
import io.vfio4j.api.VfioEventSink;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps the events a backend reports. */
final class RecordingEvents implements VfioEventSink {
    final List<VendorLeak> leaks = new CopyOnWriteArrayList<>();
    final List<String> taints = new CopyOnWriteArrayList<>();

    @Override
    public void vendorLeak(VendorLeak leak) {
        leaks.add(leak);
    }

    @Override
    public void taint(String reason) {
        taints.add(reason);
    }
}
