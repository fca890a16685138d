package io.vfio4j.system;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.Transformer;

/**
 * Stateful property over a native iommufd context ({@link IommufdNativeWorld}): random maps,
 * unmaps, copies between two IOASes, attaches, detaches, user HWPTs, memfd maps by two processes of
 * one uid and CHANGE_PROCESS between them; the user's locked_vm and each process's pinned_vm follow
 * the pinned-page model and the invariant checker agrees, after every action.
 *
 * <p>Default: 30 tries of 40 actions. {@code -Dvfio4j.long=true}: 1,000 tries of 200 actions.
 */
class IommufdNativeStatefulPropertiesTest {
    @Property(tries = 30, shrinking = ShrinkingMode.FULL)
    @AddLifecycleHook(LongRunsOnly.ShortRunsOnly.class)
    void nativeContextsChargeEachPinnedPageOnce(
            @ForAll("short") ActionChain<IommufdNativeWorld> chain) {
        chain.withInvariant("pinned-page model, checker", IommufdNativeWorld::check).run();
    }

    @Property(tries = 1000, shrinking = ShrinkingMode.FULL)
    @AddLifecycleHook(LongRunsOnly.class)
    void nativeContextsChargeEachPinnedPageOnceLong(
            @ForAll("long") ActionChain<IommufdNativeWorld> chain) {
        chain.withInvariant("pinned-page model, checker", IommufdNativeWorld::check).run();
    }

    @Provide("short")
    Arbitrary<ActionChain<IommufdNativeWorld>> shortChains() {
        return chains(40);
    }

    @Provide("long")
    Arbitrary<ActionChain<IommufdNativeWorld>> longChains() {
        return chains(200);
    }

    private static Arbitrary<Integer> i(int max) {
        return Arbitraries.integers().between(0, max);
    }

    static Arbitrary<ActionChain<IommufdNativeWorld>> chains(int actions) {
        return ActionChain.<IommufdNativeWorld>startWith(IommufdNativeWorld::new)
                .withAction(8, map())
                .withAction(4, unmap())
                .withAction(4, copy())
                .withAction(3, attach())
                .withAction(2, detach())
                .withAction(2, hwptAlloc())
                .withAction(1, hwptDestroy())
                .withAction(3, mapFile())
                .withAction(1, changeProcess())
                .withMaxTransformations(actions);
    }

    private static Action.Independent<IommufdNativeWorld> map() {
        return () ->
                Combinators.combine(i(1), i(IommufdNativeWorld.SLOTS - 1), i(15))
                        .as(
                                (a, s, n) ->
                                        Transformer.mutate(
                                                "map "
                                                        + (n + 1)
                                                        + " pages at slot "
                                                        + s
                                                        + " of I"
                                                        + a,
                                                w -> w.map(a, s, n + 1)));
    }

    private static Action.Independent<IommufdNativeWorld> mapFile() {
        return () ->
                Combinators.combine(i(1), i(1), i(IommufdNativeWorld.SLOTS - 1), i(15))
                        .as(
                                (p, a, s, n) ->
                                        Transformer.mutate(
                                                "P"
                                                        + p
                                                        + " maps a memfd of "
                                                        + (n + 1)
                                                        + " pages at slot "
                                                        + s
                                                        + " of I"
                                                        + a,
                                                w -> w.mapFile(p, a, s, n + 1)));
    }

    private static Action.Independent<IommufdNativeWorld> changeProcess() {
        return () ->
                i(1).map(
                                p ->
                                        Transformer.mutate(
                                                "CHANGE_PROCESS by P" + p,
                                                w -> w.changeProcess(p)));
    }

    private static Action.Independent<IommufdNativeWorld> unmap() {
        return () ->
                Combinators.combine(i(1), i(IommufdNativeWorld.SLOTS - 1))
                        .as(
                                (a, s) ->
                                        Transformer.mutate(
                                                "unmap slot " + s + " of I" + a,
                                                w -> w.unmap(a, s)));
    }

    private static Action.Independent<IommufdNativeWorld> copy() {
        return () ->
                Combinators.combine(
                                i(1),
                                i(IommufdNativeWorld.SLOTS - 1),
                                i(IommufdNativeWorld.SLOTS - 1))
                        .as(
                                (a, s, t) ->
                                        Transformer.mutate(
                                                "copy slot " + s + " of I" + a + " to slot " + t,
                                                w -> w.copy(a, s, t)));
    }

    private static Action.Independent<IommufdNativeWorld> attach() {
        return () ->
                Combinators.combine(i(1), i(1))
                        .as(
                                (d, a) ->
                                        Transformer.mutate(
                                                "attach D" + (d + 1) + " to I" + a,
                                                w -> w.attach(d, a)));
    }

    private static Action.Independent<IommufdNativeWorld> detach() {
        return () -> i(1).map(d -> Transformer.mutate("detach D" + (d + 1), w -> w.detach(d)));
    }

    private static Action.Independent<IommufdNativeWorld> hwptAlloc() {
        return () ->
                Combinators.combine(i(1), i(1))
                        .as(
                                (d, a) ->
                                        Transformer.mutate(
                                                "HWPT_ALLOC for D" + (d + 1) + " on I" + a,
                                                w -> w.hwptAlloc(d, a)));
    }

    private static Action.Independent<IommufdNativeWorld> hwptDestroy() {
        return () ->
                Arbitraries.just(Transformer.mutate("destroy a user HWPT", w -> w.hwptDestroy()));
    }
}
