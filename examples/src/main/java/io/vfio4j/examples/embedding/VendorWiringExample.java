package io.vfio4j.examples.embedding;

import com.google.inject.AbstractModule;
import com.google.inject.Module;
import com.google.inject.util.Modules;
import io.vfio4j.core.Vfio;
import io.vfio4j.host.SimHost;
import io.vfio4j.mdev.MdevBus;
import io.vfio4j.mdev.MdevModule;
import io.vfio4j.mdev.MdevParentBinding;
import io.vfio4j.mdev.MdevTypeSpec;
import io.vfio4j.mdev.MdevVendorDriver;
import io.vfio4j.mdev.ScriptedVendor;
import java.util.List;

/**
 * The Guice snippet of docs/embedding.md ("Binding vendor drivers with Guice"): a vendor's module
 * binds a driver for a parent device, an application module replaces it and adds a second parent.
 * The text between the markers is in the document verbatim (VendorWiringExampleTest compares them).
 */
public final class VendorWiringExample {
    private VendorWiringExample() {}

    // BEGIN embedding.md
    /** A vendor's module: its driver for the parent device 0000:65:00.0. */
    static final class GpuVendorModule extends AbstractModule {
        @Override
        protected void configure() {
            MdevModule.parent(binder(), "0000:65:00.0")
                    .toInstance(
                            new MdevParentBinding(
                                    new ScriptedVendor("vgpu", 4096),
                                    List.of(new MdevTypeSpec("small", "a small vGPU", 2))));
        }
    }

    /** The application replaces the vendor's driver and adds a second parent. */
    static MdevBus wire(SimHost host, MdevVendorDriver mine, MdevVendorDriver nic) {
        Module app =
                binder -> {
                    MdevModule.parent(binder, "0000:65:00.0") // override
                            .toInstance(
                                    new MdevParentBinding(
                                            mine, List.of(new MdevTypeSpec("big", "mine", 1))));
                    MdevModule.parent(binder, "0000:66:00.0") // extend
                            .toInstance(
                                    new MdevParentBinding(
                                            nic, List.of(new MdevTypeSpec("vf", "a NIC VF", 4))));
                };
        Vfio vfio =
                Vfio.builder()
                        .host(host)
                        .modules(Modules.override(new GpuVendorModule()).with(app))
                        .build();
        // The runtime's one bus, both parents registered; it lives as long as the runtime.
        return MdevBus.of(vfio);
    }
    // END embedding.md
}
