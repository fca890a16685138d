package io.vfio4j.system;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.Transformer;

/**
 * Stateful properties over whole SPAPR TCE v2 systems ({@link SpaprWorld}), with and without the
 * {@code external-pinning} setting. The invariant checker runs after every operation and the
 * ownership and locked_vm model after every action; failures shrink to a minimal sequence.
 *
 * <p>Default: 30 tries of 40 actions per property. {@code -Dvfio4j.long=true}: 1,250 tries of 200
 * actions per property.
 */
class SpaprStatefulPropertiesTest {
    private static long started = System.nanoTime();

    @Property(tries = 30, shrinking = ShrinkingMode.FULL)
    @AddLifecycleHook(LongRunsOnly.ShortRunsOnly.class)
    void spaprSystemsKeepOwnershipAndAccounting(@ForAll("plain") ActionChain<SpaprWorld> chain) {
        chain.withInvariant("ownership, locked_vm model, checker", SpaprWorld::check).run();
    }

    @Property(tries = 30, shrinking = ShrinkingMode.FULL)
    @AddLifecycleHook(LongRunsOnly.ShortRunsOnly.class)
    void spaprSystemsWithExternalPinning(@ForAll("pinning") ActionChain<SpaprWorld> chain) {
        chain.withInvariant("ownership, locked_vm model, checker", SpaprWorld::check).run();
    }

    @Property(tries = 1250, shrinking = ShrinkingMode.FULL)
    @AddLifecycleHook(LongRunsOnly.class)
    void spaprSystemsLong(@ForAll("plainLong") ActionChain<SpaprWorld> chain) {
        chain.withInvariant("ownership, locked_vm model, checker", SpaprWorld::check).run();
    }

    @Property(tries = 1250, shrinking = ShrinkingMode.FULL)
    @AddLifecycleHook(LongRunsOnly.class)
    void spaprSystemsWithExternalPinningLong(@ForAll("pinningLong") ActionChain<SpaprWorld> chain) {
        chain.withInvariant("ownership, locked_vm model, checker", SpaprWorld::check).run();
    }

    @Provide
    Arbitrary<ActionChain<SpaprWorld>> plain() {
        return chains(false, 40);
    }

    @Provide
    Arbitrary<ActionChain<SpaprWorld>> pinning() {
        return chains(true, 40);
    }

    @Provide
    Arbitrary<ActionChain<SpaprWorld>> plainLong() {
        return chains(false, 200);
    }

    @Provide
    Arbitrary<ActionChain<SpaprWorld>> pinningLong() {
        return chains(true, 200);
    }

    @AfterContainer
    static void figures() {
        Figures.record(
                "SpaprStatefulPropertiesTest",
                String.format(
                        java.util.Locale.ROOT,
                        "%d actions, %d runtime calls (%d refused, each proven traceless), %.1f s",
                        SpaprWorld.OPERATIONS.get(),
                        SpaprWorld.CALLS.get(),
                        SpaprWorld.REFUSALS.get(),
                        (System.nanoTime() - started) / 1e9));
    }

    static Arbitrary<ActionChain<SpaprWorld>> chains(boolean pinning, int actions) {
        var chain =
                ActionChain.<SpaprWorld>startWith(() -> new SpaprWorld(pinning))
                        .withAction(3, attach())
                        .withAction(2, detach())
                        .withAction(5, register())
                        .withAction(3, unregister())
                        .withAction(4, create())
                        .withAction(3, remove())
                        .withAction(10, map())
                        .withAction(5, unmap())
                        .withAction(1, exit())
                        .withAction(1, spawn())
                        .withAction(2, plug())
                        .withAction(1, unplug());
        if (pinning) {
            chain = chain.withAction(8, pin()).withAction(4, unpin());
        }
        return chain.withMaxTransformations(actions);
    }

    private static Arbitrary<Integer> i(int max) {
        return Arbitraries.integers().between(0, max);
    }

    private static Action.Independent<SpaprWorld> attach() {
        return () ->
                Combinators.combine(i(2), i(1), i(1), Arbitraries.of(true, false))
                        .as(
                                (g, c, p, cancel) ->
                                        Transformer.mutate(
                                                "attach group "
                                                        + (g + 1)
                                                        + " to c"
                                                        + c
                                                        + " by p"
                                                        + p
                                                        + (cancel ? " (remove default)" : ""),
                                                w -> w.attach(g, c, p, cancel)));
    }

    private static Action.Independent<SpaprWorld> detach() {
        return () -> i(2).map(g -> Transformer.mutate("detach group " + (g + 1), w -> w.detach(g)));
    }

    private static Action.Independent<SpaprWorld> register() {
        return () ->
                Combinators.combine(i(1), i(1), i(3))
                        .as(
                                (c, p, k) ->
                                        Transformer.mutate(
                                                "register region " + k + " in c" + c + " by p" + p,
                                                w -> w.register(c, p, k)));
    }

    private static Action.Independent<SpaprWorld> unregister() {
        return () ->
                Combinators.combine(i(1), i(1), i(3))
                        .as(
                                (c, p, k) ->
                                        Transformer.mutate(
                                                "unregister region "
                                                        + k
                                                        + " in c"
                                                        + c
                                                        + " by p"
                                                        + p,
                                                w -> w.unregister(c, p, k)));
    }

    private static Action.Independent<SpaprWorld> create() {
        return () ->
                Combinators.combine(i(1), i(1), i(1), i(1), i(1))
                        .as(
                                (c, p, shift, size, levels) ->
                                        Transformer.mutate(
                                                String.format(
                                                        "create window in c%d by p%d shift#%d size#%d levels#%d",
                                                        c, p, shift, size, levels),
                                                w -> w.create(c, p, shift, size, levels)));
    }

    private static Action.Independent<SpaprWorld> remove() {
        return () ->
                Combinators.combine(i(1), i(1), i(1))
                        .as(
                                (c, p, slot) ->
                                        Transformer.mutate(
                                                "remove window " + slot + " of c" + c + " by p" + p,
                                                w -> w.remove(c, p, slot)));
    }

    private static Action.Independent<SpaprWorld> map() {
        return () ->
                Combinators.combine(
                                i(1),
                                i(1),
                                i(1),
                                i(63),
                                i(3),
                                i(127),
                                i(16),
                                Arbitraries.of(true, false))
                        .as(
                                (c, p, slot, entry, k, off, n, rw) ->
                                        Transformer.mutate(
                                                String.format(
                                                        "map c%d p%d window%d entry%d region%d +%d x%d %s",
                                                        c,
                                                        p,
                                                        slot,
                                                        entry,
                                                        k,
                                                        off,
                                                        n,
                                                        rw ? "rw" : "r"),
                                                w -> w.map(c, p, slot, entry, k, off, n, rw)));
    }

    private static Action.Independent<SpaprWorld> unmap() {
        return () ->
                Combinators.combine(i(1), i(1), i(1), i(63), i(16))
                        .as(
                                (c, p, slot, entry, n) ->
                                        Transformer.mutate(
                                                String.format(
                                                        "unmap c%d p%d window%d entry%d x%d",
                                                        c, p, slot, entry, n),
                                                w -> w.unmap(c, p, slot, entry, n)));
    }

    private static Action.Independent<SpaprWorld> exit() {
        return () -> i(1).map(p -> Transformer.mutate("exit p" + p, w -> w.exit(p)));
    }

    private static Action.Independent<SpaprWorld> spawn() {
        return () -> i(1).map(p -> Transformer.mutate("spawn p" + p, w -> w.spawn(p)));
    }

    private static Action.Independent<SpaprWorld> plug() {
        return () ->
                Combinators.combine(i(1), i(1), i(1))
                        .as(
                                (v, c, p) ->
                                        Transformer.mutate(
                                                "plug vgpu-" + v + " into c" + c + " by p" + p,
                                                w -> w.plug(v, c, p)));
    }

    private static Action.Independent<SpaprWorld> unplug() {
        return () -> i(1).map(v -> Transformer.mutate("unplug vgpu-" + v, w -> w.unplug(v)));
    }

    private static Action.Independent<SpaprWorld> pin() {
        return () ->
                Combinators.combine(i(1), i(200), Arbitraries.of(true, false))
                        .as(
                                (v, pick, write) ->
                                        Transformer.mutate(
                                                "pin vgpu-"
                                                        + v
                                                        + " tce#"
                                                        + pick
                                                        + (write ? " rw" : " r"),
                                                w -> w.pin(v, pick, write)));
    }

    private static Action.Independent<SpaprWorld> unpin() {
        return () ->
                Combinators.combine(i(1), i(50))
                        .as(
                                (v, pick) ->
                                        Transformer.mutate(
                                                "unpin vgpu-" + v + " #" + pick,
                                                w -> w.unpin(v, pick)));
    }
}
