package io.vfio4j.system;

import io.vfio4j.api.DmaProt;
import io.vfio4j.api.command.MapDma;
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
 * Stateful properties over whole type1 systems ({@link Type1World}): random processes, containers,
 * passthrough groups, mdev-like devices, maps, pins, unmaps, hot plug and unplug, exit and exec
 * with the VADDR update. The invariant checker runs after every operation, the locked_vm model is
 * compared after every action, and jqwik shrinks a failure to a minimal action sequence.
 *
 * <p>Default: 30 tries of 40 actions. {@code -Dvfio4j.long=true}: 2,500 tries of 200 actions.
 */
class Type1StatefulPropertiesTest {
    static final int SHORT_ACTIONS = Integer.getInteger("t1.actions", 40);
    static final int LONG_ACTIONS = 200;
    private static long started = System.nanoTime();

    @Property(tries = 30, shrinking = ShrinkingMode.FULL)
    @AddLifecycleHook(LongRunsOnly.ShortRunsOnly.class)
    void type1SystemsKeepTheirAccounting(@ForAll("systems") ActionChain<Type1World> chain) {
        chain.withInvariant("locked_vm model and invariant checker", Type1World::check).run();
    }

    @Property(tries = 2500, shrinking = ShrinkingMode.FULL)
    @AddLifecycleHook(LongRunsOnly.class)
    void type1SystemsKeepTheirAccountingLong(@ForAll("longSystems") ActionChain<Type1World> chain) {
        chain.withInvariant("locked_vm model and invariant checker", Type1World::check).run();
    }

    @Provide
    Arbitrary<ActionChain<Type1World>> systems() {
        return chains(SHORT_ACTIONS);
    }

    @Provide
    Arbitrary<ActionChain<Type1World>> longSystems() {
        return chains(LONG_ACTIONS);
    }

    @AfterContainer
    static void figures() {
        Figures.record(
                "Type1StatefulPropertiesTest",
                String.format(
                        java.util.Locale.ROOT,
                        "%d actions, %d runtime calls (%d refused, each proven traceless), successes %s, %.1f s",
                        Type1World.OPERATIONS.get(),
                        Type1World.CALLS.get(),
                        Type1World.REFUSALS.get(),
                        Type1World.SUCCESSES,
                        (System.nanoTime() - started) / 1e9));
    }

    static Arbitrary<ActionChain<Type1World>> chains(int actions) {
        return ActionChain.startWith(Type1World::new)
                .withAction(10, map())
                .withAction(5, unmap())
                .withAction(1, unmapAll())
                .withAction(4, attach())
                .withAction(3, detach())
                .withAction(3, plug())
                .withAction(2, unplug())
                .withAction(10, pin())
                .withAction(5, unpin())
                .withAction(1, spawn())
                .withAction(1, exit())
                .withAction(1, exec())
                .withMaxTransformations(actions);
    }

    private static Arbitrary<Integer> i(int max) {
        return Arbitraries.integers().between(0, max);
    }

    private static Action.Independent<Type1World> map() {
        return () ->
                Combinators.combine(
                                i(1),
                                i(1),
                                i(2),
                                i(1023),
                                i(300),
                                i(2),
                                Arbitraries.of(MapDma.READ | MapDma.WRITE, MapDma.READ))
                        .as(
                                (c, p, r, off, n, slot, prot) ->
                                        Transformer.mutate(
                                                String.format(
                                                        "map c%d p%d region%d +%d x%d slot%d prot%d",
                                                        c, p, r, off, n, slot, prot),
                                                w -> w.map(c, p, r, off, n, slot, prot)));
    }

    private static Action.Independent<Type1World> unmap() {
        return () ->
                Combinators.combine(i(1), i(20), i(2))
                        .as(
                                (c, pick, mode) ->
                                        Transformer.mutate(
                                                "unmap c" + c + " #" + pick + " mode" + mode,
                                                w -> w.unmap(c, pick, mode)));
    }

    private static Action.Independent<Type1World> unmapAll() {
        return () -> i(1).map(c -> Transformer.mutate("unmap all c" + c, w -> w.unmapAll(c)));
    }

    private static Action.Independent<Type1World> attach() {
        return () ->
                Combinators.combine(i(2), i(1), i(1), Arbitraries.of(true, false))
                        .as(
                                (g, c, p, open) ->
                                        Transformer.mutate(
                                                "hot plug group "
                                                        + (g + 1)
                                                        + " into c"
                                                        + c
                                                        + " by p"
                                                        + p
                                                        + (open ? " +open" : ""),
                                                w -> w.attachGroup(g, c, p, open)));
    }

    private static Action.Independent<Type1World> detach() {
        return () ->
                i(2).map(
                                g ->
                                        Transformer.mutate(
                                                "hot unplug group " + (g + 1),
                                                w -> w.detachGroup(g)));
    }

    private static Action.Independent<Type1World> plug() {
        return () ->
                Combinators.combine(i(2), i(1), i(1))
                        .as(
                                (v, c, p) ->
                                        Transformer.mutate(
                                                "plug vgpu-" + v + " into c" + c + " by p" + p,
                                                w -> w.plugVgpu(v, c, p)));
    }

    private static Action.Independent<Type1World> unplug() {
        return () -> i(2).map(v -> Transformer.mutate("unplug vgpu-" + v, w -> w.unplugVgpu(v)));
    }

    private static Action.Independent<Type1World> pin() {
        return () ->
                Combinators.combine(
                                i(2),
                                i(20),
                                i(1023),
                                i(16),
                                Arbitraries.of(DmaProt.RW, DmaProt.READ, DmaProt.WRITE))
                        .as(
                                (v, pick, off, n, prot) ->
                                        Transformer.mutate(
                                                String.format(
                                                        "pin vgpu-%d map#%d +%d x%d prot%d",
                                                        v, pick, off, n, prot),
                                                w -> w.pin(v, pick, off, n, prot)));
    }

    private static Action.Independent<Type1World> unpin() {
        return () ->
                Combinators.combine(i(2), i(100), i(8).map(n -> n + 1))
                        .as(
                                (v, pick, n) ->
                                        Transformer.mutate(
                                                "unpin vgpu-" + v + " #" + pick + " x" + n,
                                                w -> w.unpin(v, pick, n)));
    }

    private static Action.Independent<Type1World> spawn() {
        return () ->
                Combinators.combine(i(1), i(2), Arbitraries.of(true, false))
                        .as(
                                (p, limit, cap) ->
                                        Transformer.mutate(
                                                "spawn p"
                                                        + p
                                                        + " limit#"
                                                        + limit
                                                        + (cap ? " CAP_IPC_LOCK" : ""),
                                                w -> w.spawn(p, limit, cap)));
    }

    private static Action.Independent<Type1World> exit() {
        return () -> i(1).map(p -> Transformer.mutate("exit p" + p, w -> w.exit(p)));
    }

    private static Action.Independent<Type1World> exec() {
        return () ->
                i(1).map(p -> Transformer.mutate("exec p" + p + " + VADDR update", w -> w.exec(p)));
    }
}
