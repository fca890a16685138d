# The arithmetic of captured-2026-12-qemu-7.2-viommu-e1000e.expected.md, written for that file
# and sharing no code with vfio4j: python3 expected-rows.py ../captured-2026-12-qemu-7.2-viommu-e1000e.log
# Independent type1 v2 arithmetic for the captured trace (not vfio4j code): a table of the
# mappings; MAP adds one (EEXIST if it overlaps), UNMAP removes the mappings wholly inside its
# range (EINVAL, nothing removed, if one straddles an end); RAM mappings charge size/4 KiB pages,
# the BAR mappings (IOVA 0xfeb00000-0xfebfffff, the e1000e's BARs 0, 1 and 3) charge nothing;
# vIOMMU MAPs (no vaddr) charge their pages.
import re, sys
lines = open(sys.argv[1]).read().split('\n')
maps = {}  # iova -> (size, pages)
locked = 0
rows = []
peak = (0, 0)
def bar(iova): return 0xfeb00000 <= iova < 0xfec00000
for n, l in enumerate(lines, 1):
    m = re.search(r'vfio_listener_region_add_ram region_add \[ram\] 0x([0-9a-f]+) - 0x([0-9a-f]+) \[0x([0-9a-f]+)\]', l)
    u = re.search(r'vfio_listener_region_del region_del 0x([0-9a-f]+) - 0x([0-9a-f]+)$', l)
    nm = re.search(r'vfio_iommu_map_notify iommu (MAP|UNMAP) @ 0x([0-9a-f]+) - 0x([0-9a-f]+)$', l)
    op = None
    if m:
        op, iova, end = 'MAP', int(m.group(1), 16), int(m.group(2), 16); charge = not bar(iova); why = 'BAR: device memory' if bar(iova) else 'RAM'
    elif nm and nm.group(1) == 'MAP':
        op, iova, end = 'MAP', int(nm.group(2), 16), int(nm.group(3), 16); charge = True; why = 'vIOMMU page'
    elif u:
        op, iova, end = 'UNMAP', int(u.group(1), 16), int(u.group(2), 16); why = 'region_del'
    elif nm:
        op, iova, end = 'UNMAP', int(nm.group(2), 16), int(nm.group(3), 16); why = 'vIOMMU UNMAP'
    if not op: continue
    size = (end - iova + 1) & (2**64 - 1)
    if op == 'MAP':
        if any(i < iova + size and iova < i + s for i, (s, p) in maps.items()):
            errno, unm = 'EEXIST', 0
        else:
            pages = size // 4096 if charge else 0
            maps[iova] = (size, pages); locked += pages; errno, unm = '0', 0
            why = f'+{pages} ({why})'
    else:
        lo, hi = iova, iova + size
        straddle = any((i < lo < i + s) or (i < hi < i + s) for i, (s, p) in maps.items())
        if straddle:
            errno, unm = 'EINVAL', 0
        else:
            inside = [i for i, (s, p) in maps.items() if lo <= i and i + s <= hi]
            freed = sum(maps[i][1] for i in inside); unm = sum(maps[i][0] for i in inside)
            for i in inside: del maps[i]
            locked -= freed; errno = '0'
            why = f'-{freed} ({len(inside)} mapping(s) inside)' if inside else 'nothing inside'
    if locked > peak[0]: peak = (locked, n)
    rows.append(f'| {n} | {op} | {hex(iova)} | {hex(size)} | {errno} | {hex(unm)} | {locked} | {why} |')
print('\n'.join(rows))
print(f'# calls {len(rows)} peak {peak} final {locked} mappings {len(maps)} mapped {hex(sum(s for s,p in maps.values()))}', file=sys.stderr)
