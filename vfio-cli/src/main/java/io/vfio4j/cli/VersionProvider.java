package io.vfio4j.cli;

import io.vfio4j.api.VfioSpi;
import picocli.CommandLine;

/** Prints the vfio4j version and the SPI version it loads. */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Vfio4jCommand.class.getPackage().getImplementationVersion();
        return new String[] {
            "vfio4j " + (v == null ? "(development build)" : v),
            "IOMMU backend SPI " + VfioSpi.runtime(),
            "Java " + System.getProperty("java.version"),
        };
    }
}
