package io.vfio4j.host;

import io.vfio4j.api.Errno;
import io.vfio4j.api.KernelVersion;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.host.HostPlatform;
import io.vfio4j.api.host.HostView;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The simulated host: physical memory, processes and their address spaces, IOMMU groups, fault
 * injection and kernel taints. Build one with {@link #builder()}. Thread-safe: containers on
 * several threads share one host.
 */
public final class SimHost implements HostView {
    private static final Logger LOG = LoggerFactory.getLogger(SimHost.class);

    private static final int THP_SHIFT = 21;

    private final long pageSize;
    private final int pageShift;
    private final Platform platform;
    private final boolean eeh;
    private final long anonymousRunPages;

    private final SimPhysicalMemory memory;
    private final FaultInjector faults = new FaultInjector();
    private final Object iommuLock = new Object();

    private final AtomicInteger nextPid = new AtomicInteger(1000);
    private final AtomicLong nextSpaceId = new AtomicLong(1);

    /** Guarded by itself. */
    private final List<SimProcess> processes = new ArrayList<>();

    private final java.util.concurrent.ConcurrentHashMap<Integer, SimUser> users =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** Guarded by itself; pruned of dead, unreferenced spaces on read. */
    private final List<SimAddressSpace> spaces = new ArrayList<>();

    /** Guarded by itself. */
    private final TreeMap<Integer, SimIommuGroup> groups = new TreeMap<>();

    /** From 6.2 a long-term read pin unshares the zero page (see {@link UntouchedFrames}). */
    static final KernelVersion UNSHARES_ZERO_PAGE = KernelVersion.of(6, 2);

    private final KernelVersion kernel;
    private final UntouchedFrames untouched;

    private final List<String> taints = new CopyOnWriteArrayList<>();
    private final List<java.util.function.Consumer<String>> warnListeners =
            new CopyOnWriteArrayList<>();

    private SimHost(Builder b) {
        this.pageSize = b.pageSize;
        this.pageShift = Long.numberOfTrailingZeros(b.pageSize);
        this.platform = b.platform;
        this.eeh = b.eeh;
        this.anonymousRunPages = b.anonymousRunPages;
        this.memory = new SimPhysicalMemory(pageShift);
        this.kernel = b.kernel;
        this.untouched = b.kernel.atLeast(UNSHARES_ZERO_PAGE) ? null : new UntouchedFrames(memory);
    }

    /** The release whose mm answers; see {@link Builder#kernel}. */
    public KernelVersion kernel() {
        return kernel;
    }

    /** The never-touched anonymous frames, on a host of a kernel before 6.2; else null. */
    UntouchedFrames untouched() {
        return untouched;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public long pageSize() {
        return pageSize;
    }

    @Override
    public int pageShift() {
        return pageShift;
    }

    public Platform platform() {
        return platform;
    }

    @Override
    public HostPlatform hostPlatform() {
        return platform.hostPlatform();
    }

    @Override
    public boolean eehEnabled() {
        return eeh;
    }

    /** Physical contiguity of anonymous small-page memory, in host pages. */
    public long anonymousRunPages() {
        return anonymousRunPages;
    }

    @Override
    public SimPhysicalMemory memory() {
        return memory;
    }

    public FaultInjector faults() {
        return faults;
    }

    @Override
    public void allocation(String site) {
        if (faults.hit(FaultInjector.FaultSite.ALLOCATION).isPresent()) {
            throw VfioException.of(Errno.ENOMEM, "injected allocation failure: %s", site);
        }
    }

    /** Starts a process with a fresh, empty address space. Pids increase from 1000. */
    public SimProcess spawnProcess(ProcessSpec spec) {
        Objects.requireNonNull(spec, "spec");
        int pid = nextPid.getAndIncrement();
        SimProcess p = new SimProcess(this, pid, spec, newAddressSpace(pid));
        synchronized (processes) {
            processes.add(p);
        }
        LOG.debug("spawned {}", p);
        return p;
    }

    /** The user with this uid, created on first use; it lives as long as the host. */
    public SimUser user(int uid) {
        return users.computeIfAbsent(uid, u -> new SimUser(this, u));
    }

    /** Every user a process has belonged to, in uid order. */
    public List<SimUser> users() {
        return users.values().stream()
                .sorted(java.util.Comparator.comparingInt(SimUser::uid))
                .toList();
    }

    /** Every process ever spawned, exited ones included, in pid order. */
    public List<SimProcess> processes() {
        synchronized (processes) {
            return List.copyOf(processes);
        }
    }

    /** Every address space that is alive or still referenced, in creation order. */
    public List<SimAddressSpace> addressSpaces() {
        synchronized (spaces) {
            for (Iterator<SimAddressSpace> it = spaces.iterator(); it.hasNext(); ) {
                SimAddressSpace s = it.next();
                if (!s.isAlive() && s.references() == 0) {
                    it.remove();
                }
            }
            return List.copyOf(spaces);
        }
    }

    /**
     * Adds an IOMMU group (host setup).
     *
     * @throws IllegalArgumentException if a group with that id exists
     */
    public SimIommuGroup addIommuGroup(IommuGroupSpec spec) {
        Objects.requireNonNull(spec, "spec");
        synchronized (groups) {
            if (groups.containsKey(spec.id())) {
                throw new IllegalArgumentException("IOMMU group " + spec.id() + " exists already");
            }
            SimIommuGroup g = new SimIommuGroup(this, spec);
            groups.put(spec.id(), g);
            return g;
        }
    }

    public Optional<SimIommuGroup> iommuGroup(int id) {
        synchronized (groups) {
            return Optional.ofNullable(groups.get(id));
        }
    }

    /** All IOMMU groups in id order. */
    public List<SimIommuGroup> iommuGroups() {
        synchronized (groups) {
            return List.copyOf(groups.values());
        }
    }

    /** Kernel taints recorded so far (e.g. by a no-IOMMU group), in order. */
    public List<String> taints() {
        return List.copyOf(taints);
    }

    /** Records a kernel taint. */
    public void taint(String reason) {
        taints.add(Objects.requireNonNull(reason, "reason"));
        LOG.warn("kernel tainted: {}", reason);
    }

    /** Subscribes to the host's kernel WARNs (e.g. a {@code locked_vm} underflow). */
    public void addWarnListener(java.util.function.Consumer<String> listener) {
        warnListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public void removeWarnListener(java.util.function.Consumer<String> listener) {
        warnListeners.remove(listener);
    }

    /** A kernel WARN in the host's memory management: logged, and passed to every listener. */
    void warn(String message) {
        if (warnListeners.isEmpty()) {
            LOG.warn("kernel WARN: {}", message);
        }
        warnListeners.forEach(l -> l.accept(message));
    }

    /** The lock that guards group/domain attachment. */
    Object iommuLock() {
        return iommuLock;
    }

    /**
     * {@code memfd_create} plus {@code ftruncate(size)}: a memory file of small pages, or of 2 MiB
     * pages with {@code huge} (a THP-backed shmem file), for IOMMU_IOAS_MAP_FILE.
     */
    public SimMemfd memfdCreate(long size, boolean huge) {
        if (size <= 0) {
            throw new IllegalArgumentException("memfd size must be positive: " + size);
        }
        return new SimMemfd(this, huge ? RegionSpec.Kind.THP : RegionSpec.Kind.ANONYMOUS, size);
    }

    SimAddressSpace newAddressSpace(int pid) {
        SimAddressSpace s = new SimAddressSpace(this, nextSpaceId.getAndIncrement(), pid);
        synchronized (spaces) {
            spaces.add(s);
        }
        return s;
    }

    /** Reserves frames for a new region and describes it. Alignment was checked by the caller. */
    Region placeRegion(RegionSpec spec, long fragmentationRun) {
        int backingShift = spec.backingPageShift(pageShift);
        long pages = spec.size() >>> pageShift;
        long backingPages = 1L << (backingShift - pageShift);
        if (spec.kind() == RegionSpec.Kind.HUGETLB
                && backingShift == HugePage.SIZE_16M.shift()
                && platform != Platform.POWER) {
            throw new IllegalArgumentException("16 MiB huge pages exist only on POWER: " + spec);
        }
        FrameLayout layout;
        if (spec.kind() == RegionSpec.Kind.DEVICE) {
            // A BAR is one physically contiguous range.
            layout = new FrameLayout(memory.allocateMmio(pages, 1), pages, pages);
        } else {
            long minRun = spec.kind() == RegionSpec.Kind.ANONYMOUS ? 1 : backingPages;
            long run = roundUp(Math.max(minRun, fragmentationRun), backingPages);
            if (spec.kind() == RegionSpec.Kind.THP) {
                run = roundUp(Math.max(run, 1L << (THP_SHIFT - pageShift)), backingPages);
            }
            long tail = pages % run;
            long base = memory.allocateRam(pages, tail, backingPages);
            layout = new FrameLayout(base, pages, run);
        }
        return new Region(
                spec.vaddr(),
                spec.size(),
                spec.kind(),
                spec.isReadOnly(),
                pageShift,
                backingShift,
                layout,
                0);
    }

    private static long roundUp(long value, long unit) {
        return (value + unit - 1) / unit * unit;
    }

    @Override
    public String toString() {
        return platform + " host, " + pageSize + "-byte pages" + (eeh ? ", EEH" : "");
    }

    /** Builds a {@link SimHost}. */
    public static final class Builder {
        private Long pageSizeSetting;
        private long pageSize;
        private Platform platform = Platform.X86;
        private boolean eeh;
        private long anonymousRunPages = 64;
        private KernelVersion kernel = KernelVersion.BASELINE;

        private Builder() {}

        /**
         * The kernel release whose memory management the host follows (default {@link
         * KernelVersion#BASELINE}); give it the runtime's {@code vfio4j.kernel}. Before 6.2 a
         * long-term read pin of never-touched anonymous memory gets the shared zero page.
         */
        public Builder kernel(KernelVersion kernel) {
            this.kernel = Objects.requireNonNull(kernel, "kernel");
            return this;
        }

        /** The host page size: a power of two of at least 4096. */
        public Builder pageSize(long bytes) {
            if (bytes < 4096 || Long.bitCount(bytes) != 1 || bytes > (1L << THP_SHIFT)) {
                throw new IllegalArgumentException(
                        "page size must be a power of two in [4096, 2 MiB]: " + bytes);
            }
            this.pageSizeSetting = bytes;
            return this;
        }

        /** The platform; {@link Platform#POWER} defaults the page size to 64 KiB. */
        public Builder platform(Platform platform) {
            this.platform = Objects.requireNonNull(platform, "platform");
            return this;
        }

        public Builder eeh(boolean enabled) {
            this.eeh = enabled;
            return this;
        }

        /** Physical contiguity of anonymous small-page memory, in host pages (default 64). */
        public Builder anonymousRunPages(long pages) {
            if (pages < 1) {
                throw new IllegalArgumentException("anonymousRunPages must be positive: " + pages);
            }
            this.anonymousRunPages = pages;
            return this;
        }

        public SimHost build() {
            pageSize =
                    pageSizeSetting != null
                            ? pageSizeSetting
                            : platform == Platform.POWER ? 65536 : 4096;
            return new SimHost(this);
        }
    }
}
