// SPDX-License-Identifier: GPL-2.0-only
/*
 * vtmdev.c - the vfio4j test vendor driver: a mediated device whose only job is to pin and unpin
 * guest pages through VFIO's external pinning interface on request, so that the kernel's type1
 * backend can be compared with vfio4j's model. One parent ("vtmdev") with one type; each mdev is
 * an emulated-IOMMU VFIO device (its group enters a type1 container without an IOMMU domain).
 *
 * The references a device holds are kept per IOVA exactly as given (an unaligned IOVA is its own
 * key, as type1 keys it), in an xarray whose value is the reference count. The dma_unmap callback
 * and close_device drop them according to the device's mode (vtmdev.h).
 *
 * Written against the 6.1 .. 7.2 interfaces: vfio_pin_pages(vdev, iova, npage, prot, pages) and
 * mdev_register_parent (include/linux/vfio.h, include/linux/mdev.h of those releases).
 */
#include <linux/device.h>
#include <linux/mdev.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/version.h>
#include <linux/vfio.h>
#include <linux/xarray.h>

#include "vtmdev.h"

struct vtm_dev {
	struct vfio_device vdev;
	struct mutex lock;
	struct xarray refs; /* iova -> xa_mk_value(reference count) */
	u32 mode;
	u64 callbacks, cb_unpinned, cb_iova, cb_length;
};

static struct vtm_dev *to_vtm(struct vfio_device *v)
{
	return container_of(v, struct vtm_dev, vdev);
}

static u64 vtm_held(struct vtm_dev *d)
{
	unsigned long iova;
	void *e;
	u64 n = 0;

	xa_for_each(&d->refs, iova, e)
		n += xa_to_value(e);
	return n;
}

/* Drops every reference held in [first, last], one vfio_unpin_pages per reference. */
static u64 vtm_drop(struct vtm_dev *d, u64 first, u64 last)
{
	unsigned long iova;
	void *e;
	u64 n = 0;

	xa_for_each_range(&d->refs, iova, e, first, last) {
		unsigned long c = xa_to_value(e);

		for (; c; c--, n++)
			vfio_unpin_pages(&d->vdev, iova, 1);
		xa_erase(&d->refs, iova);
	}
	return n;
}

/* Drops one reference of the lowest IOVA held in [first, last]: a slow driver's answer. */
static u64 vtm_drop_one(struct vtm_dev *d, u64 first, u64 last)
{
	unsigned long iova = first;
	void *e = xa_find(&d->refs, &iova, last, XA_PRESENT);

	if (!e)
		return 0;
	vfio_unpin_pages(&d->vdev, iova, 1);
	if (xa_to_value(e) > 1)
		xa_store(&d->refs, iova, xa_mk_value(xa_to_value(e) - 1), GFP_KERNEL);
	else
		xa_erase(&d->refs, iova);
	return 1;
}

static int vtm_open(struct vfio_device *v)
{
	struct vtm_dev *d = to_vtm(v);

	mutex_lock(&d->lock);
	d->mode = VTM_WELL_BEHAVED;
	d->callbacks = d->cb_unpinned = d->cb_iova = d->cb_length = 0;
	mutex_unlock(&d->lock);
	return 0;
}

static void vtm_close(struct vfio_device *v)
{
	struct vtm_dev *d = to_vtm(v);
	u64 n = 0, kept = 0;

	mutex_lock(&d->lock);
	if (d->mode == VTM_LEAKS_ON_CLOSE) {
		kept = vtm_held(d);
		xa_destroy(&d->refs);
	} else {
		n = vtm_drop(d, 0, ULONG_MAX);
	}
	mutex_unlock(&d->lock);
	pr_info("vtmdev: close unpinned %llu leaked %llu\n", n, kept);
}

static void vtm_dma_unmap(struct vfio_device *v, u64 iova, u64 length)
{
	struct vtm_dev *d = to_vtm(v);
	u64 n = 0;

	mutex_lock(&d->lock);
	if (d->mode == VTM_UNPINS_ONE_PAGE && length)
		n = vtm_drop_one(d, iova, iova + length - 1);
	else if (d->mode != VTM_IGNORES_UNMAP && length)
		n = vtm_drop(d, iova, iova + length - 1);
	d->callbacks++;
	d->cb_unpinned += n;
	d->cb_iova = iova;
	d->cb_length = length;
	mutex_unlock(&d->lock);
	pr_info("vtmdev: dma_unmap 0x%llx+0x%llx unpinned %llu\n", iova, length, n);
}

static long vtm_pin(struct vtm_dev *d, struct vtm_req *r)
{
	struct page **pages;
	long ret;
	int i;

	pages = kcalloc(max_t(u32, r->npage, 1), sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	ret = vfio_pin_pages(&d->vdev, r->iova, r->npage, r->prot, pages);
	for (i = 0; i < ret; i++) {
		unsigned long key = r->iova + (u64)i * PAGE_SIZE;
		void *e = xa_load(&d->refs, key);

		xa_store(&d->refs, key, xa_mk_value((e ? xa_to_value(e) : 0) + 1), GFP_KERNEL);
	}
	if (ret > 0)
		r->pfn = page_to_pfn(pages[0]);
	kfree(pages);
	return ret;
}

static void vtm_unpin(struct vtm_dev *d, struct vtm_req *r)
{
	u32 i;

	vfio_unpin_pages(&d->vdev, r->iova, r->npage);
	for (i = 0; i < r->npage; i++) {
		unsigned long key = r->iova + (u64)i * PAGE_SIZE;
		void *e = xa_load(&d->refs, key);

		if (!e)
			continue;
		if (xa_to_value(e) > 1)
			xa_store(&d->refs, key, xa_mk_value(xa_to_value(e) - 1), GFP_KERNEL);
		else
			xa_erase(&d->refs, key);
	}
}

/*
 * One vfio_dma_rw through a kernel bounce buffer (vfio_dma_rw copies from or to kernel memory).
 * No pin is taken and the driver's counters do not change.
 */
static long vtm_rw(struct vtm_dev *d, unsigned long arg)
{
	struct vtm_rw r;
	void *kbuf;
	long ret;

	if (copy_from_user(&r, (void __user *)arg, sizeof(r)))
		return -EFAULT;
	if (r.len > VTM_RW_MAX)
		return -E2BIG;
	kbuf = kzalloc(max_t(u64, r.len, 1), GFP_KERNEL);
	if (!kbuf)
		return -ENOMEM;
	if (r.write && copy_from_user(kbuf, u64_to_user_ptr(r.data), r.len)) {
		kfree(kbuf);
		return -EFAULT;
	}
	ret = vfio_dma_rw(&d->vdev, r.iova, kbuf, r.len, r.write);
	r.ret = ret;
	if ((!r.write && copy_to_user(u64_to_user_ptr(r.data), kbuf, r.len)) ||
	    copy_to_user((void __user *)arg, &r, sizeof(r)))
		ret = -EFAULT;
	kfree(kbuf);
	return ret;
}

static long vtm_ioctl(struct vfio_device *v, unsigned int cmd, unsigned long arg)
{
	struct vtm_dev *d = to_vtm(v);
	struct vtm_req r;
	long ret = 0;

	if (cmd == VTM_RW_IOCTL)
		return vtm_rw(d, arg);

	if (cmd != VTM_IOCTL)
		return -ENOTTY;
	if (copy_from_user(&r, (void __user *)arg, sizeof(r)))
		return -EFAULT;
	mutex_lock(&d->lock);
	r.pfn = 0;
	switch (r.what) {
	case VTM_PIN:
		ret = vtm_pin(d, &r);
		break;
	case VTM_UNPIN:
		vtm_unpin(d, &r);
		break;
	case VTM_STATE:
		break;
	case VTM_MODE:
		if (r.mode > VTM_UNPINS_ONE_PAGE)
			ret = -EINVAL;
		else
			d->mode = r.mode;
		break;
	default:
		ret = -EINVAL;
	}
	r.ret = ret;
	r.held = vtm_held(d);
	r.callbacks = d->callbacks;
	r.cb_unpinned = d->cb_unpinned;
	r.cb_iova = d->cb_iova;
	r.cb_length = d->cb_length;
	mutex_unlock(&d->lock);
	if (copy_to_user((void __user *)arg, &r, sizeof(r)))
		return -EFAULT;
	return ret < 0 ? ret : 0;
}

static int vtm_init(struct vfio_device *v)
{
	struct vtm_dev *d = to_vtm(v);

	mutex_init(&d->lock);
	xa_init(&d->refs);
	return 0;
}

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
/* Before 6.2 the driver frees its device itself. */
static void vtm_release(struct vfio_device *v)
{
	vfio_free_device(v);
}
#endif

static const struct vfio_device_ops vtm_ops = {
	.name = "vtmdev",
	.init = vtm_init,
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
	.release = vtm_release,
#else
	.bind_iommufd = vfio_iommufd_emulated_bind,
	.unbind_iommufd = vfio_iommufd_emulated_unbind,
	.attach_ioas = vfio_iommufd_emulated_attach_ioas,
	.detach_ioas = vfio_iommufd_emulated_detach_ioas,
#endif
	.open_device = vtm_open,
	.close_device = vtm_close,
	.ioctl = vtm_ioctl,
	.dma_unmap = vtm_dma_unmap,
};

static int vtm_probe(struct mdev_device *mdev)
{
	struct vtm_dev *d = vfio_alloc_device(vtm_dev, vdev, &mdev->dev, &vtm_ops);
	int ret;

	if (IS_ERR(d))
		return PTR_ERR(d);
	ret = vfio_register_emulated_iommu_dev(&d->vdev);
	if (ret) {
		vfio_put_device(&d->vdev);
		return ret;
	}
	dev_set_drvdata(&mdev->dev, d);
	return 0;
}

static void vtm_remove(struct mdev_device *mdev)
{
	struct vtm_dev *d = dev_get_drvdata(&mdev->dev);

	vfio_unregister_group_dev(&d->vdev);
	xa_destroy(&d->refs);
	vfio_put_device(&d->vdev);
}

static struct mdev_type vtm_type = { .sysfs_name = "pin", .pretty_name = "vtmdev pinning" };
static struct mdev_type *vtm_types[] = { &vtm_type };

static struct mdev_driver vtm_driver = {
	.device_api = VFIO_DEVICE_API_PCI_STRING,
	.max_instances = 4,
	.driver = {
		.name = "vtmdev",
		.owner = THIS_MODULE,
		.mod_name = KBUILD_MODNAME,
	},
	.probe = vtm_probe,
	.remove = vtm_remove,
};

static struct class *vtm_class;
static struct device vtm_parent_dev;
static struct mdev_parent vtm_parent;

static void vtm_parent_release(struct device *dev)
{
}

static int __init vtm_module_init(void)
{
	int ret = mdev_register_driver(&vtm_driver);

	if (ret)
		return ret;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
	vtm_class = class_create("vtmdev");
#else
	vtm_class = class_create(THIS_MODULE, "vtmdev");
#endif
	ret = PTR_ERR_OR_ZERO(vtm_class);
	if (ret)
		goto out_driver;
	vtm_parent_dev.class = vtm_class;
	vtm_parent_dev.release = vtm_parent_release;
	dev_set_name(&vtm_parent_dev, "vtmdev");
	ret = device_register(&vtm_parent_dev);
	if (ret)
		goto out_class;
	ret = mdev_register_parent(&vtm_parent, &vtm_parent_dev, &vtm_driver, vtm_types,
				   ARRAY_SIZE(vtm_types));
	if (ret)
		goto out_device;
	return 0;
out_device:
	device_unregister(&vtm_parent_dev);
out_class:
	class_destroy(vtm_class);
out_driver:
	mdev_unregister_driver(&vtm_driver);
	return ret;
}

static void __exit vtm_module_exit(void)
{
	mdev_unregister_parent(&vtm_parent);
	device_unregister(&vtm_parent_dev);
	class_destroy(vtm_class);
	mdev_unregister_driver(&vtm_driver);
}

module_init(vtm_module_init);
module_exit(vtm_module_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vfio4j test vendor driver: external pinning on request");
