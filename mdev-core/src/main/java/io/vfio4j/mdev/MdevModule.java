package io.vfio4j.mdev;

import com.google.inject.AbstractModule;
import com.google.inject.Binder;
import com.google.inject.Binding;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.Scopes;
import com.google.inject.binder.LinkedBindingBuilder;
import com.google.inject.name.Named;
import com.google.inject.name.Names;
import io.vfio4j.core.Vfio;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The Guice wiring of mediated devices: each parent device is one binding, keyed by its PCI address
 * ({@link #parent}), which an application adds to {@code Vfio.builder().modules(...)}. {@link
 * MdevBus#of} then registers every bound parent on the runtime's one bus.
 *
 * <p>One key per parent gives Guice's own override semantics: {@code
 * Modules.override(vendorModule).with(appModule)} replaces the driver of a parent both bind, and a
 * module binding another address adds a parent. Two modules side by side that bind one address are
 * refused by Guice when the runtime is built (a duplicate binding).
 *
 * <p>The module itself binds the holder of the runtime's bus, so the bus lives exactly as long as
 * the runtime's injector. {@link #parent} installs it; a runtime with no bound parent that still
 * wants {@link MdevBus#of} installs {@code new MdevModule()}. Installing it more than once is
 * harmless (all instances are equal).
 */
public final class MdevModule extends AbstractModule {
    /**
     * The binding of the parent device {@code parentDevice} (a PCI address such as {@code
     * "0000:65:00.0"}), e.g. {@code MdevModule.parent(binder(), "0000:65:00.0").toInstance(new
     * MdevParentBinding(myDriver, types))}, or {@code .toProvider(...)} for a driver built from
     * other bindings such as the {@code SimHost}.
     */
    public static LinkedBindingBuilder<MdevParentBinding> parent(
            Binder binder, String parentDevice) {
        Objects.requireNonNull(binder, "binder");
        binder.install(new MdevModule());
        return binder.bind(parentKey(parentDevice));
    }

    /** The key of a parent's binding: {@link MdevParentBinding} named by the PCI address. */
    public static Key<MdevParentBinding> parentKey(String parentDevice) {
        Objects.requireNonNull(parentDevice, "parentDevice");
        if (parentDevice.isBlank()) {
            throw new IllegalArgumentException("an mdev parent device needs a PCI address");
        }
        return Key.get(MdevParentBinding.class, Names.named(parentDevice));
    }

    @Override
    protected void configure() {
        bind(BusSlot.class).in(Scopes.SINGLETON);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MdevModule;
    }

    @Override
    public int hashCode() {
        return MdevModule.class.hashCode();
    }

    /**
     * The runtime's bus, created on first use with every bound parent registered, in PCI-address
     * order.
     *
     * @throws IllegalStateException if the runtime was built without this module, or is closed and
     *     has no bus yet
     */
    static MdevBus busOf(Vfio vfio) {
        Objects.requireNonNull(vfio, "vfio");
        Injector injector = vfio.injector();
        if (injector.getExistingBinding(Key.get(BusSlot.class)) == null) {
            throw new IllegalStateException(
                    "this Vfio has no mdev wiring: build it with"
                            + " Vfio.builder().modules(new MdevModule()) or bind a parent with"
                            + " MdevModule.parent");
        }
        BusSlot slot = injector.getInstance(BusSlot.class);
        synchronized (slot) {
            if (slot.bus == null) {
                if (vfio.isClosed()) {
                    throw new IllegalStateException("this Vfio is closed");
                }
                // Stored only once every parent registered: a refused parent leaves no bus.
                MdevBus bus = new MdevBus(vfio);
                bound(injector)
                        .forEach(
                                (address, p) -> bus.registerParent(address, p.driver(), p.types()));
                slot.bus = bus;
            }
            return slot.bus;
        }
    }

    /** Every bound parent, by PCI address; the runtime's injector is a child of the wired one. */
    private static Map<String, MdevParentBinding> bound(Injector injector) {
        Map<String, MdevParentBinding> out = new TreeMap<>();
        for (Injector i = injector; i != null; i = i.getParent()) {
            for (Binding<?> b : i.getBindings().values()) {
                Key<?> k = b.getKey();
                if (k.getTypeLiteral().getRawType() == MdevParentBinding.class
                        && k.getAnnotation() instanceof Named name) {
                    out.putIfAbsent(name.value(), (MdevParentBinding) i.getInstance(k));
                }
            }
        }
        return out;
    }

    /** Holds the runtime's bus; one per injector (a singleton). */
    static final class BusSlot {
        private MdevBus bus;

        BusSlot() {}
    }
}
