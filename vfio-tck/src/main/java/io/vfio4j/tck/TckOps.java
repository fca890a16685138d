package io.vfio4j.tck;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ArbitrarySupplier;
import net.jqwik.api.Combinators;

/** Generators of operation sequences for the stateful properties. */
public final class TckOps {
    /** Pages of the IOVA space the sequences work in; small, so that operations collide. */
    public static final int SPACE_PAGES = 32;

    private TckOps() {}

    /** Sequences of up to {@code maxSize} operations; jqwik shrinks them to a minimal failure. */
    public static Arbitrary<List<TckOp>> sequences(int maxSize) {
        Arbitrary<Integer> page = Arbitraries.integers().between(0, SPACE_PAGES - 1);
        Arbitrary<TckOp> map =
                Combinators.combine(page, Arbitraries.integers().between(1, 8)).as(TckOp.Map::new);
        Arbitrary<TckOp> unmap =
                Combinators.combine(page, Arbitraries.integers().between(1, 16))
                        .as(TckOp.Unmap::new);
        Arbitrary<TckOp> pin =
                Combinators.combine(page, Arbitraries.integers().between(1, 4)).as(TckOp.Pin::new);
        Arbitrary<TckOp> unpin =
                Combinators.combine(page, Arbitraries.integers().between(1, 4))
                        .as(TckOp.Unpin::new);
        Arbitrary<TckOp> toggle = Arbitraries.just(new TckOp.Toggle());
        Arbitrary<TckOp> op =
                Arbitraries.frequencyOf(
                        net.jqwik.api.Tuple.of(3, map),
                        net.jqwik.api.Tuple.of(2, unmap),
                        net.jqwik.api.Tuple.of(3, pin),
                        net.jqwik.api.Tuple.of(2, unpin),
                        net.jqwik.api.Tuple.of(1, toggle));
        return op.list().ofMinSize(1).ofMaxSize(maxSize);
    }

    /** The default run: up to 30 operations per try. */
    public static final class Short implements ArbitrarySupplier<List<TckOp>> {
        @Override
        public Arbitrary<List<TckOp>> get() {
            return sequences(30);
        }
    }

    /** The long run ({@code -Dvfio4j.long=true}): up to 200 operations per try. */
    public static final class Long implements ArbitrarySupplier<List<TckOp>> {
        @Override
        public Arbitrary<List<TckOp>> get() {
            return sequences(200);
        }
    }
}
