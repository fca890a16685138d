package io.vfio4j.tck;

/**
 * Every suite of the kit in one base class: extend it, implement {@link #backend()}, done.
 *
 * <pre>{@code
 * class AcmeConformanceTest extends IommuBackendConformanceTest {
 *     @Override
 *     public TckBackend backend() {
 *         return TckBackend.builder(new AcmeProvider(), IommuType.TYPE1v2)
 *                 .supports(BackendCapability.GROUP_IOMMU, BackendCapability.MULTI_GROUP)
 *                 .build();
 *     }
 * }
 * }</pre>
 *
 * JUnit Jupiter runs the example-based suites and jqwik the properties, both from this class.
 */
public abstract class IommuBackendConformanceTest
        implements ProviderContractSuite, BackendConformanceSuite, AccountingPropertySuite {}
