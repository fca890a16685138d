package io.vfio4j.oracle;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.host.Task;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioContainer;
import io.vfio4j.core.VfioDevice;
import io.vfio4j.mdev.MdevBus;
import io.vfio4j.mdev.MdevDevice;
import io.vfio4j.mdev.MdevParent;
import io.vfio4j.mdev.MdevTypeSpec;
import io.vfio4j.mdev.ScriptedDevice;
import io.vfio4j.mdev.ScriptedVendor;
import io.vfio4j.mdev.VendorBehaviour;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The model's side of the test vendor driver: mdev-core's {@link ScriptedVendor} with one type per
 * mode of {@code vtmdev} (the numbers {@code vendor/vtmdev.h} gives them), and the guest's two test
 * mdevs as slots that a scenario's mdevs take in turn ({@code mdev_use}). The counters match the
 * driver's: page references held (per IOVA as given) and DMA-unmap callbacks since the last open.
 */
final class ModelMdevs {
    /** vtmdev's modes, by number: well-behaved, leaks-on-close, ignores-unmap, unpins-one-page. */
    static final List<VendorBehaviour> MODES =
            List.of(
                    VendorBehaviour.WELL_BEHAVED,
                    VendorBehaviour.LEAKS_ON_CLOSE,
                    VendorBehaviour.IGNORES_UNMAP,
                    VendorBehaviour.UNPINS_ONE_PAGE);

    private static final String DRIVER = "vtmdev";
    private static final long PAGE = 4096;

    private final MdevBus bus;
    private final MdevParent parent;
    private final MdevDevice[] slots = new MdevDevice[ProbeOp.MDEVS];
    private final int[] callbacksAtOpen = new int[ProbeOp.MDEVS];
    private int created;

    ModelMdevs(Vfio vfio) {
        this.bus = new MdevBus(vfio);
        List<MdevTypeSpec> types = new ArrayList<>();
        for (int m = 0; m < MODES.size(); m++) {
            // as many instances as the scenario may take in turn
            types.add(new MdevTypeSpec("mode" + m, "vtmdev mode " + m, 64));
        }
        this.parent =
                bus.registerParent(
                        "0000:00:04.0",
                        new ScriptedVendor(
                                DRIVER,
                                PAGE,
                                Map.of(
                                        "mode0", MODES.get(0),
                                        "mode1", MODES.get(1),
                                        "mode2", MODES.get(2),
                                        "mode3", MODES.get(3))),
                        types);
    }

    /** Runs an mdev operation; the counters of every open test mdev go to {@code out}. */
    void run(ProbeOp op, Task process, VfioContainer container, Map<String, String> out) {
        int d = (int) op.num(0);
        try {
            switch (op.op()) {
                case "mdev_use" -> use(d, (int) op.num(1));
                case "mdev_attach" -> slot(d).group().setContainer(process, container);
                case "mdev_detach" -> slot(d).group().unsetContainer();
                case "mdev_open" -> {
                    MdevDevice m = slot(d);
                    m.group().openDevice(m.name());
                    callbacksAtOpen[d] = ScriptedVendor.of(m).notifications().size();
                }
                case "mdev_close" -> open(d).close();
                case "pin", "unpin" -> pins(op, d, out);
                default -> throw new IllegalStateException(op.op());
            }
        } finally {
            counters(out);
        }
    }

    /** {@code heldD} and {@code cbD} of each open test mdev, as the guest's probe reports them. */
    void counters(Map<String, String> out) {
        for (int d = 0; d < slots.length; d++) {
            if (slots[d] != null && slots[d].isOpen()) {
                ScriptedDevice s = ScriptedVendor.of(slots[d]);
                long held = s.held().values().stream().mapToLong(Integer::longValue).sum();
                out.put("held" + d, Long.toString(held));
                out.put("cb" + d, Long.toString(s.notifications().size() - callbacksAtOpen[d]));
            }
        }
    }

    private void use(int d, int mode) {
        if (mode < 0 || mode >= MODES.size()) {
            throw VfioException.of(Errno.EINVAL, "vtmdev has no mode %d", mode);
        }
        if (slots[d] != null) {
            try {
                bus.remove(slots[d].uuid());
            } catch (VfioException e) {
                // still open or in a container: the guest's device is reused regardless
            }
        }
        UUID uuid = new UUID(0x5f6d2a1e00004000L, 0x8000000000000000L + ++created);
        slots[d] = bus.create(parent.requireType(DRIVER + "-mode" + mode), uuid);
    }

    private void pins(ProbeOp op, int d, Map<String, String> out) {
        boolean pin = op.op().equals("pin");
        ScriptedDevice s = ScriptedVendor.of(slot(d));
        if (!s.isOpen()) {
            if (pin) {
                out.put("calls", "1"); // the probe's first call, on no descriptor
            }
            throw VfioException.of(Errno.EBADF, "test mdev %d is not open", d);
        }
        long iova = op.num(1);
        long npage = op.num(2);
        long chunk = op.num(pin ? 4 : 3);
        int prot = pin ? (int) op.num(3) : 0;
        long calls = 0;
        for (long done = 0; done < npage || calls == 0; done += chunk) {
            int n = (int) (npage == 0 ? 0 : Math.min(chunk, npage - done));
            calls++;
            if (pin) {
                out.put("calls", Long.toString(calls));
                s.pin(iova + done * PAGE, n, prot);
            } else {
                s.unpin(iova + done * PAGE, n);
            }
            if (npage == 0) {
                break;
            }
        }
    }

    private VfioDevice open(int d) {
        MdevDevice m = slot(d);
        if (!m.isOpen()) {
            throw VfioException.of(Errno.EBADF, "test mdev %d is not open", d);
        }
        return m.vfioDevice();
    }

    /** The guest made its mdevs at boot: one never taken by mdev_use is well-behaved. */
    private MdevDevice slot(int d) {
        if (slots[d] == null) {
            use(d, 0);
        }
        return slots[d];
    }
}
