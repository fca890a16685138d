package io.vfio4j.system;

import io.vfio4j.api.AuditSink;
import io.vfio4j.api.BackendState;
import io.vfio4j.api.DmaUnmapListener;
import io.vfio4j.api.DriverContext;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.SpiVersion;
import io.vfio4j.api.VfioDeviceHandle;
import io.vfio4j.api.VfioGroupHandle;
import io.vfio4j.api.VfioIommuDriverOps;
import io.vfio4j.api.VfioIommuDriverProvider;
import io.vfio4j.api.command.VfioCommand;
import io.vfio4j.api.host.AddressSpace;
import io.vfio4j.api.host.HostView;
import io.vfio4j.api.host.Task;
import io.vfio4j.core.BackendSource;
import io.vfio4j.core.DiscoveredBackend;
import io.vfio4j.type1.Type1Provider;
import java.util.List;
import java.util.Set;

/**
 * A backend plugin that runs the real type1 backend but can distort what it reports to the audit:
 * it proves the invariant checker notices a backend whose claims stop matching the host. Offered as
 * {@code tampered}, TYPE1v2 only, through a {@link BackendSource} as any plugin would be.
 */
final class TamperingBackend implements VfioIommuDriverProvider {
    /** How the next audits are distorted. */
    enum Tamper {
        NONE,
        /** Claims one page more of {@code locked_vm} than it charged. */
        EXTRA_CHARGE,
        /** Leaves one pinned run out of its claims. */
        HIDE_PIN,
        /** Reports one mapping more than it has, against the same budget. */
        BAD_BUDGET,
        /** Reports an internal inconsistency. */
        VIOLATION
    }

    volatile Tamper tamper = Tamper.NONE;
    private final Type1Provider real = new Type1Provider();

    BackendSource source() {
        return () -> List.of(DiscoveredBackend.describe(this, "system-tests"));
    }

    @Override
    public String name() {
        return "tampered";
    }

    @Override
    public SpiVersion spiVersion() {
        return real.spiVersion();
    }

    @Override
    public Set<IommuType> supportedTypes() {
        return Set.of(IommuType.TYPE1v2);
    }

    @Override
    public int checkExtension(long extension, HostView host) {
        return real.checkExtension(extension, host);
    }

    @Override
    public VfioIommuDriverOps open(DriverContext context) {
        VfioIommuDriverOps ops = real.open(context);
        return new VfioIommuDriverOps() {
            @Override
            public void attachGroup(VfioGroupHandle group) {
                ops.attachGroup(group);
            }

            @Override
            public void detachGroup(VfioGroupHandle group) {
                ops.detachGroup(group);
            }

            @Override
            public <R> R execute(Task caller, VfioCommand<R> command) {
                return ops.execute(caller, command);
            }

            @Override
            public int pinPages(
                    VfioDeviceHandle device, long iova, int npage, int prot, long[] pfns) {
                return ops.pinPages(device, iova, npage, prot, pfns);
            }

            @Override
            public void unpinPages(VfioDeviceHandle device, long iova, int npage) {
                ops.unpinPages(device, iova, npage);
            }

            @Override
            public void registerDevice(VfioDeviceHandle device, DmaUnmapListener listener) {
                ops.registerDevice(device, listener);
            }

            @Override
            public void unregisterDevice(VfioDeviceHandle device) {
                ops.unregisterDevice(device);
            }

            @Override
            public BackendState state() {
                return ops.state();
            }

            @Override
            public void audit(AuditSink sink) {
                Tamper t = tamper;
                boolean[] hidden = {false};
                ops.audit(
                        new AuditSink() {
                            @Override
                            public void charged(AddressSpace space, Object key, long pages) {
                                sink.charged(
                                        space, key, pages + (t == Tamper.EXTRA_CHARGE ? 1 : 0));
                            }

                            @Override
                            public void pinned(Object key, long pfn, long pages, long pins) {
                                if (t == Tamper.HIDE_PIN && !hidden[0]) {
                                    hidden[0] = true;
                                    return;
                                }
                                sink.pinned(key, pfn, pages, pins);
                            }

                            @Override
                            public void entries(long live, long available, long limit) {
                                sink.entries(
                                        live + (t == Tamper.BAD_BUDGET ? 1 : 0), available, limit);
                            }

                            @Override
                            public void violation(String message) {
                                sink.violation(message);
                            }
                        });
                if (t == Tamper.VIOLATION) {
                    sink.violation("tampered: mapping 0x0 names no device for its pins");
                }
            }

            @Override
            public void release() {
                ops.release();
            }
        };
    }
}
