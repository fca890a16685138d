package io.vfio4j.spapr;

import io.vfio4j.api.VfioDeviceHandle;
import io.vfio4j.api.VfioGroupHandle;

/** A device handle, e.g. a vGPU instance named by its UUID. */
record TestDevice(String name, VfioGroupHandle group) implements VfioDeviceHandle {}
