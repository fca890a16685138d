package io.vfio4j.oracle;

import java.time.Duration;

/** One kernel's answers to a program: the kernel booted, what it said, how long the boot took. */
public record KernelRun(FetchedKernel kernel, GuestOutput output, Duration wall) {}
