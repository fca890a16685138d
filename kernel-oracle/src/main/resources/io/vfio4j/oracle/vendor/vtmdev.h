/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vtmdev.h - the one device ioctl of the vfio4j test vendor driver (vtmdev.ko), shared by the
 * module and the guest's user program (vtmdev-probe). The device fd of a vtmdev mdev passes any
 * ioctl VFIO's core does not know to the driver; VFIO's own numbers use type ';' (0x3b).
 */
#ifndef VTMDEV_H
#define VTMDEV_H
#include <linux/types.h>
#include <linux/ioctl.h>

/* what a request asks for */
#define VTM_PIN   1 /* vfio_pin_pages(iova, npage, prot) */
#define VTM_UNPIN 2 /* vfio_unpin_pages(iova, npage), passed through even for pages never pinned */
#define VTM_STATE 3 /* only the counters */
#define VTM_MODE  4 /* set the vendor behaviour to mode */

/* vendor behaviours (as mdev-core's ScriptedVendor) */
#define VTM_WELL_BEHAVED   0 /* unpins what dma_unmap names, and everything at close */
#define VTM_LEAKS_ON_CLOSE 1 /* unpins what dma_unmap names, forgets its pins at close */
#define VTM_IGNORES_UNMAP  2 /* counts dma_unmap and unpins nothing there; unpins at close */
#define VTM_UNPINS_ONE_PAGE 3 /* drops one reference of the lowest IOVA it holds in the range */

struct vtm_req {
	__u32 what;         /* VTM_* */
	__u32 npage;        /* pin, unpin */
	__u64 iova;         /* pin, unpin */
	__u32 prot;         /* pin: 1 read, 2 write */
	__u32 mode;         /* mode */
	__s64 ret;          /* out: vfio_pin_pages' return value, else 0 */
	__u64 held;         /* out: page references this device holds */
	__u64 callbacks;    /* out: dma_unmap calls since open */
	__u64 cb_unpinned;  /* out: references the callbacks dropped */
	__u64 cb_iova;      /* out: the last callback's iova and length */
	__u64 cb_length;
	__u64 pfn;          /* out: pin: the first page's frame number */
};

#define VTM_IOCTL _IOWR('v', 0xa4, struct vtm_req)

/*
 * vfio_dma_rw(vdev, iova, buf, len, write) on request: the driver copies len bytes between the
 * caller's data and the guest memory at iova through the container (a write sends data, a read
 * returns what it read in data, also the part read before a failure). Its own ioctl number, so
 * that struct vtm_req stays as it is.
 */
struct vtm_rw {
	__u64 iova;
	__u64 len;          /* 0 is passed to vfio_dma_rw as is; at most VTM_RW_MAX */
	__u64 data;         /* user pointer, len bytes */
	__u32 write;        /* 1: write to guest memory, 0: read from it */
	__u32 pad;
	__s64 ret;          /* out: vfio_dma_rw's return value */
};

#define VTM_RW_MAX (1u << 20)
#define VTM_RW_IOCTL _IOWR('v', 0xa5, struct vtm_rw)
#endif
