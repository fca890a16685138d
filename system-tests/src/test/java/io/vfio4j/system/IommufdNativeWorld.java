package io.vfio4j.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.ioas.IoasCopy;
import io.vfio4j.api.ioas.IoasMap;
import io.vfio4j.api.ioas.IoasMapFile;
import io.vfio4j.core.IommuContext;
import io.vfio4j.core.Vfio;
import io.vfio4j.core.VfioConfiguration;
import io.vfio4j.host.IommuGroupSpec;
import io.vfio4j.host.ProcessSpec;
import io.vfio4j.host.RegionSpec;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimMemfd;
import io.vfio4j.host.SimProcess;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * One {@code /dev/iommu} context of a QEMU-like process with two IOASes, two devices (two groups),
 * user-made HWPTs, memfd mappings and CHANGE_PROCESS to a successor process of the same uid, driven
 * through the public runtime with the invariant checker on. A model follows it: which mapping (and
 * which shared pages object) sits in which slot of which IOAS, and which IOAS has a domain. After
 * every action the uid's {@code locked_vm} and the process's {@code pinned_vm} must equal the
 * number of distinct pages covered by mappings of IOASes with a domain, each on the process that
 * owns its pages (docs/reference/iommufd.md §3 A4, A5, A7, A8, A12), and the checker must find
 * nothing; a refused map, unmap or copy leaves the whole {@link SystemSnapshot} unchanged.
 */
final class IommufdNativeWorld {
    static final long P = 4096;
    static final long SLOT = 64 * 1024;
    static final int SLOTS = 8;
    static final long VA = 0x7f00_0000_0000L;

    /**
     * A mapping in the model: its pages object, first page index in it, page count, and whether it
     * came from IOAS_MAP_FILE.
     */
    record Mapping(int pagesId, int firstPage, int pages, boolean file) {}

    final SimHost host = SimHost.builder().build();
    final SimProcess qemu;

    /** A second process of the same uid (a VMM's successor) that CHANGE_PROCESS may move to. */
    final SimProcess successor;

    /** Pages object id → the process charged for it (0: qemu, 1: successor). */
    final Map<Integer, Integer> ownerOf = new HashMap<>();

    final Vfio vfio;
    final IommuContext ctx;
    final int[] ioas = new int[2];
    final int[] devices = new int[2];

    /** The IOAS index each device is attached to, or -1. */
    final int[] attachedTo = {-1, -1};

    /** User-made HWPT id → IOAS index. */
    final Map<Integer, Integer> userHwpts = new HashMap<>();

    @SuppressWarnings("unchecked")
    final Map<Integer, Mapping>[] slots = new Map[] {new HashMap<>(), new HashMap<>()};

    private int nextPagesId;

    IommufdNativeWorld() {
        host.addIommuGroup(IommuGroupSpec.of(1));
        host.addIommuGroup(IommuGroupSpec.of(2));
        qemu =
                host.spawnProcess(
                        ProcessSpec.builder().name("qemu").memlockLimitBytes(1L << 30).build());
        // Every map takes its own 64 KiB of this region, so each has its own pages object.
        qemu.mmap(RegionSpec.anonymous(VA, 1L << 30));
        successor =
                host.spawnProcess(
                        ProcessSpec.builder().name("qemu-new").memlockLimitBytes(1L << 30).build());
        vfio =
                Vfio.builder()
                        .host(host)
                        .configuration(
                                VfioConfiguration.of(
                                        Map.of(VfioConfiguration.CHECK_INVARIANTS, "true")))
                        .build();
        ctx = vfio.openIommuContext();
        ioas[0] = ctx.ioasAlloc();
        ioas[1] = ctx.ioasAlloc();
        devices[0] = ctx.bind(host.iommuGroup(1).orElseThrow().devices().get(0));
        devices[1] = ctx.bind(host.iommuGroup(2).orElseThrow().devices().get(0));
    }

    /** Runs a call; a refused one must leave no trace (docs/reference/architecture.md §4.6). */
    private Errno errno(Runnable r) {
        SystemSnapshot before = SystemSnapshot.of(vfio);
        try {
            r.run();
            return null;
        } catch (VfioException e) {
            before.assertNoTrace(SystemSnapshot.of(vfio), false, e.getMessage());
            return e.errno();
        }
    }

    void map(int i, int slot, int pages) {
        long va = VA + (long) nextPagesId * SLOT;
        Errno e =
                errno(() -> ctx.ioasMap(qemu, IoasMap.fixed(ioas[i], va, slot * SLOT, pages * P)));
        if (slots[i].containsKey(slot)) {
            assertThat(e).isEqualTo(Errno.EEXIST);
        } else {
            assertThat(e).isNull();
            slots[i].put(slot, new Mapping(nextPagesId, 0, pages, false));
            ownerOf.put(nextPagesId, 0);
        }
        nextPagesId++;
    }

    /** IOAS_MAP_FILE of a fresh memfd by process {@code p} (docs/reference/iommufd.md §4.3). */
    void mapFile(int p, int i, int slot, int pages) {
        SimMemfd f = host.memfdCreate(pages * P, false);
        SimProcess mapper = p == 0 ? qemu : successor;
        Errno e =
                errno(
                        () ->
                                ctx.ioasMapFile(
                                        mapper,
                                        IoasMapFile.fixed(ioas[i], f, 0, slot * SLOT, pages * P)));
        if (slots[i].containsKey(slot)) {
            assertThat(e).isEqualTo(Errno.EEXIST);
        } else {
            assertThat(e).isNull();
            slots[i].put(slot, new Mapping(nextPagesId, 0, pages, true));
            ownerOf.put(nextPagesId, p);
        }
        nextPagesId++;
    }

    /** IOAS_CHANGE_PROCESS by process {@code p} (A12): EINVAL while a VA mapping exists. */
    void changeProcess(int p) {
        SimProcess caller = p == 0 ? qemu : successor;
        Errno e = errno(() -> ctx.ioasChangeProcess(caller));
        boolean allFiles =
                slots[0].values().stream().allMatch(Mapping::file)
                        && slots[1].values().stream().allMatch(Mapping::file);
        if (!allFiles) {
            assertThat(e).isEqualTo(Errno.EINVAL);
            return;
        }
        assertThat(e).isNull();
        for (int i = 0; i < 2; i++) {
            slots[i].values().forEach(m -> ownerOf.put(m.pagesId(), p));
        }
    }

    void unmap(int i, int slot) {
        Errno e = errno(() -> ctx.ioasUnmap(ioas[i], slot * SLOT, SLOT));
        if (slots[i].remove(slot) != null) {
            assertThat(e).isNull();
        } else {
            assertThat(e).isEqualTo(Errno.ENOENT);
        }
    }

    void copy(int from, int slot, int toSlot) {
        int to = 1 - from;
        Mapping m = slots[from].get(slot);
        long length = m == null ? P : m.pages() * P;
        Errno e =
                errno(
                        () ->
                                ctx.ioasCopy(
                                        qemu,
                                        new IoasCopy(
                                                ioas[to],
                                                ioas[from],
                                                IoasMap.FIXED_IOVA | IoasMap.RW,
                                                length,
                                                slot * SLOT,
                                                toSlot * SLOT)));
        if (m == null) {
            assertThat(e).isEqualTo(Errno.ENOENT);
        } else if (slots[to].containsKey(toSlot)) {
            assertThat(e).isEqualTo(Errno.EEXIST);
        } else {
            assertThat(e).isNull();
            slots[to].put(toSlot, m);
        }
    }

    void attach(int d, int i) {
        assertThat(ctx.attach(devices[d], ioas[i])).isPositive();
        attachedTo[d] = i;
    }

    void detach(int d) {
        ctx.detach(devices[d]);
        attachedTo[d] = -1;
    }

    void hwptAlloc(int d, int i) {
        userHwpts.put(ctx.hwptAlloc(devices[d], ioas[i], 0), i);
    }

    void hwptDestroy() {
        if (userHwpts.isEmpty()) {
            return;
        }
        int id = userHwpts.keySet().iterator().next();
        ctx.destroy(id);
        userHwpts.remove(id);
    }

    private boolean hasDomain(int i) {
        return attachedTo[0] == i || attachedTo[1] == i || userHwpts.containsValue(i);
    }

    void check() {
        Set<Long> pinned = new HashSet<>();
        long[] pinnedBy = new long[2];
        long mappings = 0;
        for (int i = 0; i < 2; i++) {
            mappings += slots[i].size();
            if (!hasDomain(i)) {
                continue;
            }
            for (Mapping m : slots[i].values()) {
                for (int k = 0; k < m.pages(); k++) {
                    if (pinned.add(((long) m.pagesId() << 20) | (m.firstPage() + k))) {
                        pinnedBy[ownerOf.get(m.pagesId())]++;
                    }
                }
            }
        }
        // Both processes are of one uid: one user locked_vm; pinned_vm per owning process.
        assertThat(qemu.user().lockedVm()).as("the uid's locked_vm").isEqualTo(pinned.size());
        assertThat(qemu.simAddressSpace().orElseThrow().pinnedVm())
                .as("pinned_vm of qemu")
                .isEqualTo(pinnedBy[0]);
        assertThat(successor.simAddressSpace().orElseThrow().pinnedVm())
                .as("pinned_vm of its successor")
                .isEqualTo(pinnedBy[1]);
        assertThat(qemu.simAddressSpace().orElseThrow().lockedVm()).isZero();
        assertThat(successor.simAddressSpace().orElseThrow().lockedVm()).isZero();
        assertThat(ctx.state().mappings()).isEqualTo(mappings);
        assertThat(vfio.invariants().check()).isEmpty();
    }
}
