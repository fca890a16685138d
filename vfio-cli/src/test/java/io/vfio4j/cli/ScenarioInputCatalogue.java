package io.vfio4j.cli;

import java.util.List;

/**
 * The bad-input catalogue for scenario files: each row is one invalid scenario input and the exact
 * answer the command gives, as docs/reliability.md lists them (ScenarioInputCatalogueTest keeps the
 * two equal). A row's input is added to {@link #BASE}: a step appended to its steps, or a
 * replacement of one of its lines ({@code old => new}); {@code FULL:} rows are whole files.
 */
final class ScenarioInputCatalogue {
    /** A type1 VM with an open vGPU and one mapping; appended steps are step 6 on, line 22 on. */
    static final String BASE =
            """
            scenario: base
            host:
              iommu_groups:
                - {id: 1}
              mdev_parents:
                - device: "0000:00:02.0"
                  types:
                    - {name: t, instances: 2}
            processes:
              - name: qemu
                memlock: 1GiB
                regions:
                  - {name: ram, vaddr: 0x10_0000_0000, size: 64MiB}
            containers:
              - {name: vm, iommu: TYPE1v2}
            steps:
              - mdev_create: {parent: "0000:00:02.0", type: t, uuid: 7c3f5e0a-1b2c-4d5e-8f90-a1b2c3d4e5f6, as: vgpu}
              - attach: {group: vgpu}
              - set_iommu: {}
              - open_device: {device: vgpu}
              - map: {vaddr: ram, iova: 0}
            """;

    /** A POWER host whose one group's TCE line a row replaces. */
    static final String POWER =
            """
            scenario: power
            host:
              platform: power
              iommu_groups:
                - id: 1
                  tce: {dma32_start: 0, dma32_size: 1GiB}
            steps:
              - check: {}
            """;

    /**
     * @param input what the row adds to the base scenario, as the docs show it
     * @param exit the exit code
     * @param answer the exact line the command prints for it (with -q), after the file name
     * @param errno for a step refused at run time: the errno a scenario can expect instead
     */
    record Row(String id, String what, String input, int exit, String answer, String errno) {}

    static final List<Row> ROWS =
            List.of(
                    new Row(
                            "SCN-01",
                            "pin chunk far above any kernel limit",
                            "- pin: {device: vgpu, iova: 0, pages: 3000, chunk: 2147483647}",
                            4,
                            ":22:54: step 6 (pin).chunk: 2147483647 is out of range [1, 1,048,576]",
                            null),
                    new Row(
                            "SCN-02",
                            "pin of 0 pages (was refused before anything ran)",
                            "- pin: {device: vgpu, iova: 0, pages: 0}",
                            1,
                            ":22: step 6 (pin): failed unexpectedly with EINVAL: pin by 7c3f5e0a-1b2c-4d5e-8f90-a1b2c3d4e5f6: npage 0"
                                    + " and a page array are required",
                            "EINVAL"),
                    new Row(
                            "SCN-03",
                            "unpin of 2^63-1 pages",
                            "- unpin: {device: vgpu, iova: 0, pages: 9223372036854775807}",
                            4,
                            ":22:43: step 6 (unpin).pages: 9223372036854775807 is out of range"
                                    + " [-2,147,483,648, 4,294,967,296]",
                            null),
                    new Row(
                            "SCN-04",
                            "pin that needs more than 2^20 calls",
                            "- pin: {device: vgpu, iova: 0, pages: 4294967296, chunk: 1}",
                            4,
                            ":22:41: step 6 (pin).pages: 4,294,967,296 pages in chunks of 1 is"
                                    + " 4,294,967,296 calls; a step makes at most 1,048,576",
                            null),
                    new Row(
                            "SCN-05",
                            "cpu_read of 2 GiB",
                            "- cpu_read: {vaddr: ram, length: 2GiB}",
                            4,
                            ":22:36: step 6 (cpu_read).length: '2GiB' is out of range [1 B, 1"
                                    + " MiB]",
                            null),
                    new Row(
                            "SCN-06",
                            "cpu_read of 4 GiB + 4 (was read as 4 bytes)",
                            "- cpu_read: {vaddr: ram, length: 4GiB+4}",
                            4,
                            ":22:36: step 6 (cpu_read).length: '4GiB+4' is out of range [1 B, 1"
                                    + " MiB]",
                            null),
                    new Row(
                            "SCN-07",
                            "dma_read of 8 GiB (was ignored)",
                            "- dma_read: {device: vgpu, iova: 0, length: 8GiB}",
                            4,
                            ":22:47: step 6 (dma_read).length: '8GiB' is out of range [1 B, 1"
                                    + " MiB]",
                            null),
                    new Row(
                            "SCN-08",
                            "a size of 2^64",
                            "- map: {vaddr: ram, iova: 18446744073709551616, size: 4KiB}",
                            4,
                            ":22:29: step 6 (map).iova: '18446744073709551616' is not a size: use"
                                    + " an integer (4096), hex (0x1_0000_0000), a unit (4KiB, 3GiB)"
                                    + " or a sum (4GiB+64MiB)",
                            null),
                    new Row(
                            "SCN-09",
                            "a sum past 2^63",
                            "- map: {vaddr: ram, iova: 0, size: 8EiB+8EiB}",
                            4,
                            ":22:38: step 6 (map).size: '8EiB+8EiB' does not fit in 64 bits",
                            null),
                    new Row(
                            "SCN-10",
                            "close_device of a device that is not open",
                            "- close_device: {device: vgpu}\n- close_device: {device: vgpu}",
                            1,
                            ":23: step 7 (close_device): failed unexpectedly with EBADF: close:"
                                    + " device vgpu is not open",
                            "EBADF"),
                    new Row(
                            "SCN-11",
                            "mmap over a mapped region (MAP_FIXED_NOREPLACE)",
                            "- mmap: {regions: [{name: x, vaddr: 0x10_0000_0000, size: 2MiB}]}",
                            1,
                            ":22: step 6 (mmap): failed unexpectedly with EEXIST: mmap: anonymous"
                                    + " [0x1000000000, +0x200000) overlaps",
                            "EEXIST"),
                    new Row(
                            "SCN-12",
                            "munmap of length 0",
                            "- munmap: {vaddr: ram, size: 0}",
                            1,
                            ":22: step 6 (munmap): failed unexpectedly with EINVAL: munmap: length"
                                    + " 0",
                            "EINVAL"),
                    new Row(
                            "SCN-13",
                            "munmap of an unaligned address",
                            "- munmap: {vaddr: ram+1, size: 4KiB}",
                            1,
                            ":22: step 6 (munmap): failed unexpectedly with EINVAL: munmap:"
                                    + " 0x1000000001 is not page aligned",
                            "EINVAL"),
                    new Row(
                            "SCN-14",
                            "exec after exit",
                            "- exit: {}\n- exec: {}",
                            4,
                            ":23:11: step 7 (exec): process 'qemu' exited at step 6; it can do"
                                    + " nothing after that",
                            null),
                    new Row(
                            "SCN-15",
                            "cpu_read after exit",
                            "- exit: {}\n- cpu_read: {vaddr: ram, length: 4}",
                            4,
                            ":23:15: step 7 (cpu_read): process 'qemu' exited at step 6; it can do"
                                    + " nothing after that",
                            null),
                    new Row(
                            "SCN-16",
                            "inject_fault nth 0",
                            "- inject_fault: {site: pin, nth: 0}",
                            4,
                            ":22:36: step 6 (inject_fault).nth: 0 is out of range [1,"
                                    + " 2,147,483,647]",
                            null),
                    new Row(
                            "SCN-17",
                            "aperture of size 0 (was the whole 2^64 space)",
                            "{id: 1} => {id: 1, aperture: {start: 0, size: 0}}",
                            4,
                            ":4:42: scenario file.host.iommu_groups[0].aperture.size: a range of"
                                    + " size 0 is empty",
                            null),
                    new Row(
                            "SCN-18",
                            "reserved region of size 0",
                            "{id: 1} => {id: 1, reserved: [{start: 0xfee0_0000, size: 0}]}",
                            4,
                            ":4:53: scenario file.host.iommu_groups[0].reserved[0].size: a range"
                                    + " of size 0 is empty",
                            null),
                    new Row(
                            "SCN-19",
                            "aperture that wraps past 2^64",
                            "{id: 1} => {id: 1, aperture: {start: 0xffff_ffff_ffff_f000, size:"
                                    + " 8KiB}}",
                            4,
                            ":4:62: scenario file.host.iommu_groups[0].aperture.size: the range"
                                    + " wraps past 2^64",
                            null),
                    new Row(
                            "SCN-20",
                            "IOMMU page size 2^63",
                            "{id: 1} => {id: 1, page_sizes: [0x8000_0000_0000_0000]}",
                            4,
                            ":4:28: scenario file.host.iommu_groups[0].page_sizes[0]:"
                                    + " '0x8000_0000_0000_0000' is not a power of two from 4 KiB to"
                                    + " 1 TiB",
                            null),
                    new Row(
                            "SCN-21",
                            "no IOMMU page size",
                            "{id: 1} => {id: 1, page_sizes: []}",
                            4,
                            ":4:27: scenario file.host.iommu_groups[0].page_sizes: give at least"
                                    + " one page size",
                            null),
                    new Row(
                            "SCN-22",
                            "32-bit DMA window that wraps",
                            "POWER: {dma32_start: 0, dma32_size: 1GiB} => {dma32_start:"
                                    + " 0xffff_ffff_ffff_0000, dma32_size: 1MiB}",
                            4,
                            ":6:61: tce: the 32-bit window [0xffffffffffff0000, +0x100000) must be"
                                    + " non-empty and end at or below 2^59, where the 64-bit window"
                                    + " starts",
                            null),
                    new Row(
                            "SCN-23",
                            "32-bit DMA window not page aligned",
                            "POWER: {dma32_start: 0, dma32_size: 1GiB} => {dma32_start: 0x800,"
                                    + " dma32_size: 1GiB}",
                            4,
                            ":6:26: tce: dma32_start and dma32_size must be multiples of 4 KiB",
                            null),
                    new Row(
                            "SCN-24",
                            "a backend name of 100 characters",
                            "{name: vm, iommu: TYPE1v2} => {name: vm, iommu: TYPE1v2, backend:"
                                    + " aaaa...(100 a)}",
                            4,
                            ":15:41: scenario file.containers[0].backend: a name of 100"
                                    + " characters; at most 64 are allowed",
                            null),
                    new Row(
                            "SCN-25",
                            "RLIMIT_MEMLOCK of -5 pages",
                            "memlock: 1GiB => memlock: -5 pages",
                            4,
                            ":11:14: scenario file.processes[0].memlock: '-5 pages' is not a size:"
                                    + " use an integer (4096), hex (0x1_0000_0000), a unit (4KiB,"
                                    + " 3GiB) or a sum (4GiB+64MiB)",
                            null),
                    new Row(
                            "SCN-26",
                            "a region the host cannot place",
                            "size: 64MiB} => size: 0x4000_0000_0000_0000}",
                            4,
                            ":13:9: scenario file.processes[0].regions[0]: the host cannot map this"
                                    + " region: simulated host is out of RAM address space for"
                                    + " 1125899906842624 pages",
                            null),
                    new Row(
                            "SCN-27",
                            "a file that is not UTF-8",
                            "scenario: base => scenario: caf\\xe9",
                            4,
                            ":1:14: not UTF-8: byte 0xe9 at byte offset 13",
                            null),
                    new Row(
                            "SCN-28",
                            "a file over 1 MiB",
                            "a comment line of 1 MiB",
                            4,
                            ":1:1: the file has 1,049,096 bytes; a scenario file may have at most"
                                    + " 1,048,576 (1 MiB)",
                            null),
                    new Row(
                            "SCN-29",
                            "pin of -1 pages (reaches the core as one call)",
                            "- pin: {device: vgpu, iova: 0, pages: -1}",
                            1,
                            ":22: step 6 (pin): failed unexpectedly with EINVAL: pin by 7c3f5e0a-1b2c-4d5e-8f90-a1b2c3d4e5f6: npage -1"
                                    + " and a page array are required",
                            "EINVAL"),
                    new Row(
                            "SCN-30",
                            "pin of -2^31-1 pages (not an int)",
                            "- pin: {device: vgpu, iova: 0, pages: -2147483649}",
                            4,
                            ":22:41: step 6 (pin).pages: -2147483649 is out of range"
                                    + " [-2,147,483,648, 4,294,967,296]",
                            null),
                    new Row(
                            "SCN-31",
                            "an address below 0",
                            "- cpu_read: {vaddr: ram-0x11_0000_0000, length: 4}",
                            4,
                            ":22:23: step 6 (cpu_read).vaddr: 'ram-0x11_0000_0000' is below"
                                    + " address 0",
                            null),
                    new Row(
                            "SCN-32",
                            "a flag word past 32 bits",
                            "- map: {vaddr: ram, iova: 0, size: 4KiB, flags: READ|1<<40}",
                            4,
                            ":22:51: step 6 (map).flags: 'READ|1<<40' does not fit in a 32-bit"
                                    + " flag word",
                            null),
                    new Row(
                            "SCN-33",
                            "a kernel era that is not a release",
                            "scenario: base => scenario: base\nkernel: 6.x",
                            4,
                            ":2:9: kernel: '6.x' is not a kernel release: use major.minor, e.g."
                                    + " 6.16 or 6.18",
                            null),
                    new Row(
                            "SCN-34",
                            "record: true beside an errno",
                            "- {check: {}, expect: {errno: none, record: true}}",
                            4,
                            ":22:39: step 6 expect: record: true is the other spelling of errno: any;"
                                    + " give one of them",
                            null),
                    new Row(
                            "SCN-35",
                            "a TCE permission that is not one",
                            "- {check: {}, expect: {tce: {ioba: 0, perm: rwx}}}",
                            4,
                            ":22:47: step 6 expect.tce.perm: 'rwx' is not one of none, read, write, rw",
                            null),
                    new Row(
                            "SCN-36",
                            "an ioctl number that has a step of its own",
                            "- ioctl: {number: 13}",
                            4,
                            ":22:21: step 6 (ioctl).number: ioctl 13 has a step of its own: use map",
                            null));

    private ScenarioInputCatalogue() {}
}
