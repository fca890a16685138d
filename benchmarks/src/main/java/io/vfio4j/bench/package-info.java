/**
 * JMH benchmarks of vfio4j's hot paths, written against the public SPI: each benchmark opens a
 * backend through its {@link io.vfio4j.api.VfioIommuDriverProvider} (found with {@link
 * java.util.ServiceLoader}) on a {@link io.vfio4j.host.SimHost}, with a small {@link
 * io.vfio4j.api.DriverContext}, and drives {@link io.vfio4j.api.VfioIommuDriverOps} directly. The
 * invariant checker of the runtime is not involved. See {@code benchmarks/README.md}.
 */
package io.vfio4j.bench;
