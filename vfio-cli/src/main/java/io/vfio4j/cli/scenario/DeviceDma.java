package io.vfio4j.cli.scenario;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.Errno;
import io.vfio4j.api.VfioException;
import io.vfio4j.api.host.TceTableGroup;
import io.vfio4j.host.SimHost;
import io.vfio4j.host.SimIommuDomain;
import io.vfio4j.host.SimIommuGroup;
import io.vfio4j.host.power.PowerNvTableGroup;
import java.util.Optional;

/**
 * DMA by a passthrough PCI device: every access is translated by the device's IOMMU (the domain its
 * group is attached to on x86, the programmed TCE windows on POWER) and then reaches host memory.
 * An access the IOMMU does not translate, or does not permit, is an IOMMU fault; the step reports
 * it as EFAULT.
 */
final class DeviceDma {
    private DeviceDma() {}

    static void access(SimHost host, int groupId, long iova, byte[] buf, boolean write) {
        SimIommuGroup g = host.iommuGroup(groupId).orElseThrow();
        Optional<SimIommuDomain> domain = g.simDomain();
        Optional<TceTableGroup> tce = g.tceTableGroup();
        long page = host.pageSize();
        int done = 0;
        while (done < buf.length) {
            long addr = iova + done;
            int n = (int) Math.min(buf.length - done, page - Long.remainderUnsigned(addr, page));
            long phys;
            if (domain.isPresent()) {
                SimIommuDomain d = domain.get();
                phys = d.translate(addr);
                int need = write ? DmaProt.WRITE : DmaProt.READ;
                if (phys == -1 || !DmaProt.allows(d.protection(addr), need)) {
                    throw fault(groupId, addr, write, phys == -1 ? "not mapped" : "not permitted");
                }
            } else if (tce.isPresent() && tce.get() instanceof PowerNvTableGroup pe) {
                phys = pe.dmaTranslate(addr);
                long need = write ? TceTableGroup.TCE_WRITE : TceTableGroup.TCE_READ;
                if (phys == -1 || (pe.dmaPermissions(addr) & need) == 0) {
                    throw fault(
                            groupId, addr, write, phys == -1 ? "no valid TCE" : "not permitted");
                }
            } else {
                throw fault(groupId, addr, write, "the group has no IOMMU translation set up");
            }
            if (write) {
                host.memory().write(phys, buf, done, n);
                // The IOMMU marks what it let a device write (dirty tracking, if running).
                domain.ifPresent(d -> d.recordDmaWrite(addr, n));
            } else {
                host.memory().read(phys, buf, done, n);
            }
            done += n;
        }
    }

    private static VfioException fault(int group, long addr, boolean write, String why) {
        return VfioException.of(
                Errno.EFAULT,
                "IOMMU fault: group %d device DMA %s at iova 0x%x: %s",
                group,
                write ? "write" : "read",
                addr,
                why);
    }
}
