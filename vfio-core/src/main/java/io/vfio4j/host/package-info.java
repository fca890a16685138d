/**
 * The simulated host: physical page frames with sparse pin counts and contents, processes and their
 * address spaces ({@code locked_vm}, {@code RLIMIT_MEMLOCK}, capabilities), IOMMU groups and
 * domains, and fault injection. Memory is computed, never materialized: a region's frames follow
 * arithmetically from its placement, so a 1 TiB guest costs kilobytes.
 */
package io.vfio4j.host;
