/**
 * The POWER platform model: PowerNV IODA2 partitionable endpoints (TCE table groups) with their
 * default 32-bit window, dynamic DMA windows, multi-level TCE tables and EEH.
 */
package io.vfio4j.host.power;
