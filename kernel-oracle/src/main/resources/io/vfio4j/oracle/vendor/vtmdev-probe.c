/*
 * vtmdev-probe.c - the guest program that drives vtmdev mdevs through a type1 container.
 * usage: vtmdev-probe OPS OUT PT-GROUP MDEV-GROUP:UUID...
 * OPS holds one operation a line (# comments); each writes one result line to OUT:
 *   OP LABEL -> RC ERRNO locked=KiB [held= cb= cb_unpinned= cb_range=IOVA+LEN]
 * Operations (numbers decimal or 0x hex; DEV is 0 or 1, the mdevs in argument order):
 *   say TEXT | capdrop | memlock BYTES | memlock_plus KIB | buffer MIB
 *   container | open_group pt|DEV | attach pt|DEV | detach pt|DEV | set_iommu
 *   map LABEL IOVA SIZE BUFOFFSET [ro|vaddr] | unmap LABEL IOVA SIZE [all|vaddr]
 *     (ro: a read-only mapping; vaddr: VFIO_DMA_MAP_FLAG_VADDR / VFIO_DMA_UNMAP_FLAG_VADDR)
 *   open DEV | close DEV | mode DEV well-behaved|leaks-on-close|ignores-unmap
 *   pin DEV LABEL IOVA NPAGE [ro] | unpin DEV LABEL IOVA NPAGE | state DEV LABEL
 *   rw DEV LABEL IOVA LEN read|write   (vfio_dma_rw through the driver, checked against the
 *     process's own buffer: RW ... dev0 write=N/LEN or read=N/LEN, N the bytes that match)
 *   dirty start|stop | dirty_get LABEL IOVA SIZE   (type1 dirty tracking, 4 KiB pages:
 *     DIRTY_GET ... dirty=<bits set> bits=<first 64 bits, page 0 lowest>)
 *   close_group pt|DEV
 *   child | exit   (child: fork; the child runs the operations up to exit and ends with _exit
 *     without closing anything, its lines marked by CHILD/EXIT; the parent skips them, waits for
 *     it at exit and writes REAPED with the child's exit status)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/vfio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vtmdev.h"

#define NDEV 2
static FILE *out;
static int container = -1, ptgroup = -1, group[NDEV] = { -1, -1 }, dev[NDEV] = { -1, -1 };
static const char *pt_name, *mdev_group[NDEV], *uuid[NDEV];
static char *buf;

static long vm_locked_kib(void)
{
	char line[128];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f) && sscanf(line, "VmLck: %ld kB", &kib) != 1)
		;
	fclose(f);
	return kib;
}

/* errno is read right after the call: an argument list has no evaluation order */
static int err_now;
#define CALL(x) call_result((long)(x))
static long call_result(long rc)
{
	err_now = errno;
	return rc;
}

static void line(const char *op, const char *label, long rc, int err, const char *extra)
{
	fprintf(out, "%s %s -> %ld %s locked=%ld%s%s\n", op, label, rc < 0 ? -1L : rc,
		rc < 0 ? strerrorname_np(err) : "0", vm_locked_kib(), extra ? " " : "", extra ? extra : "");
	fflush(out);
}

static void counters(int d, char *s, size_t n)
{
	struct vtm_req r = { .what = VTM_STATE };

	s[0] = 0;
	if (d >= 0 && dev[d] >= 0 && ioctl(dev[d], VTM_IOCTL, &r) == 0)
		snprintf(s, n, "held=%llu cb=%llu cb_unpinned=%llu cb_range=0x%llx+0x%llx",
			 (unsigned long long)r.held, (unsigned long long)r.callbacks,
			 (unsigned long long)r.cb_unpinned, (unsigned long long)r.cb_iova,
			 (unsigned long long)r.cb_length);
}

static int *group_fd(const char *w, const char **name)
{
	if (!strcmp(w, "pt")) {
		*name = pt_name;
		return &ptgroup;
	}
	*name = mdev_group[atoi(w) % NDEV];
	return &group[atoi(w) % NDEV];
}

static int cap_ipc_lock_drop(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct c[2];

	if (syscall(SYS_capget, &h, c))
		return -1;
	c[CAP_TO_INDEX(CAP_IPC_LOCK)].effective &= ~CAP_TO_MASK(CAP_IPC_LOCK);
	c[CAP_TO_INDEX(CAP_IPC_LOCK)].permitted &= ~CAP_TO_MASK(CAP_IPC_LOCK);
	return (int)syscall(SYS_capset, &h, c);
}

static int set_memlock(unsigned long long bytes)
{
	struct rlimit r = { bytes, bytes };

	return setrlimit(RLIMIT_MEMLOCK, &r);
}

static int mode_of(const char *m)
{
	if (!strcmp(m, "leaks-on-close"))
		return VTM_LEAKS_ON_CLOSE;
	if (!strcmp(m, "ignores-unmap"))
		return VTM_IGNORES_UNMAP;
	return strcmp(m, "well-behaved") ? -1 : VTM_WELL_BEHAVED;
}

/* The probe's own record of its mappings, to find in its buffer the bytes an IOVA names. */
#define NMAP 64
static struct { uint64_t iova, size; char *vaddr; } maps[NMAP];
static int nmaps;
static int in_child, skipping;
static pid_t child_pid;

static void remember_map(uint64_t iova, uint64_t size, char *vaddr)
{
	if (nmaps < NMAP)
		maps[nmaps++] = (typeof(maps[0])){ iova, size, vaddr };
}

static void forget_maps(uint64_t iova, uint64_t size, int all)
{
	int k = 0;

	for (int i = 0; i < nmaps; i++)
		if (!all && (maps[i].iova < iova || maps[i].iova + maps[i].size > iova + size))
			maps[k++] = maps[i];
	nmaps = k;
}

static char *byte_at(uint64_t iova)
{
	for (int i = 0; i < nmaps; i++)
		if (iova >= maps[i].iova && iova - maps[i].iova < maps[i].size)
			return maps[i].vaddr + (iova - maps[i].iova);
	return NULL;
}

/* a pattern with no zero byte, different for each rw operation */
static unsigned char pattern(unsigned seed, uint64_t i)
{
	return (unsigned char)(1 + (seed * 31 + i * 7 + (i >> 8)) % 255);
}

static void do_rw(char **w)
{
	static unsigned seed;
	int d = atoi(w[1]) % NDEV, write = !strcmp(w[5], "write");
	uint64_t len = strtoull(w[4], NULL, 0), iova = strtoull(w[3], NULL, 0), ok = 0;
	unsigned char *data = calloc(1, len ? len : 1);
	struct vtm_rw r = { .iova = iova, .len = len, .data = (uintptr_t)data, .write = write };
	char extra[160];

	seed++;
	for (uint64_t i = 0; i < len; i++) {
		char *p = byte_at(iova + i);

		if (write)
			data[i] = pattern(seed, i);
		if (p)
			*p = (char)(write ? ~pattern(seed, i) : pattern(seed, i));
	}
	long rc = ioctl(dev[d], VTM_RW_IOCTL, &r);
	int e = errno;

	for (uint64_t i = 0; i < len; i++) {
		char *p = byte_at(iova + i);

		ok += write ? p && (unsigned char)*p == pattern(seed, i) : data[i] == pattern(seed, i);
	}
	free(data);
	snprintf(extra, sizeof extra, "dev%d %s=%llu/%llu", d, write ? "write" : "read",
		 (unsigned long long)ok, (unsigned long long)len);
	line("RW", w[2], rc, e, extra);
}

static void do_dirty_get(char **w)
{
	uint64_t iova = strtoull(w[2], NULL, 0), size = strtoull(w[3], NULL, 0);
	uint64_t words = (size / 4096 + 63) / 64;
	size_t hdr = sizeof(struct vfio_iommu_type1_dirty_bitmap);
	struct vfio_iommu_type1_dirty_bitmap *d =
		calloc(1, hdr + sizeof(struct vfio_iommu_type1_dirty_bitmap_get));
	struct vfio_iommu_type1_dirty_bitmap_get *g = (void *)((char *)d + hdr);
	uint64_t *bits = calloc(words ? words : 1, 8);
	long set = 0;
	char extra[96];

	d->argsz = hdr + sizeof(*g);
	d->flags = VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP;
	g->iova = iova;
	g->size = size;
	g->bitmap.pgsize = 4096;
	g->bitmap.size = words * 8;
	g->bitmap.data = (void *)bits;
	long rc = CALL(ioctl(container, VFIO_IOMMU_DIRTY_PAGES, d));

	for (uint64_t i = 0; i < words; i++)
		set += __builtin_popcountll(bits[i]);
	snprintf(extra, sizeof extra, "dirty=%ld bits=0x%llx", set, (unsigned long long)bits[0]);
	line("DIRTY_GET", w[1], rc, err_now, extra);
	free(bits);
	free(d);
}

/* child, exit and the parent's wait: see the usage comment */
static int child_op(const char *op, const char *label)
{
	if (skipping) {
		if (!strcmp(op, "exit")) {
			int status = -1;
			long rc = CALL(waitpid(child_pid, &status, 0));

			skipping = 0;
			line("REAPED", label ? label : "child", rc < 0 ? rc : status, err_now, NULL);
		}
		return 1;
	}
	if (!strcmp(op, "child")) {
		fflush(out);
		child_pid = fork();
		if (child_pid == 0) {
			in_child = 1;
			line("CHILD", label ? label : "start", 0, 0, NULL);
		} else {
			skipping = child_pid > 0;
			if (child_pid < 0)
				line("CHILD", "fork", -1, errno, NULL);
		}
		return 1;
	}
	if (!strcmp(op, "exit") && in_child) {
		line("EXIT", label ? label : "child", 0, 0, NULL);
		fflush(out);
		_exit(0);
	}
	return 0;
}

static void run(char *l)
{
	char *w[16] = { 0 }, extra[512], lab[160];
	int n = 0, d;
	long rc;

	for (char *t = strtok(l, " \t\n"); t && n < 16; t = strtok(NULL, " \t\n"))
		w[n++] = t;
	if (!n || w[0][0] == '#')
		return;
	const char *op = w[0], *name = "";
	errno = 0;
	if (child_op(op, w[1]))
		return;
	if (!strcmp(op, "say")) {
		fprintf(out, "==");
		for (int i = 1; i < n; i++)
			fprintf(out, " %s", w[i]);
		fprintf(out, "\n");
	} else if (!strcmp(op, "capdrop")) {
		rc = CALL(cap_ipc_lock_drop());
		line("CAPDROP", "CAP_IPC_LOCK", rc, err_now, NULL);
	} else if (!strcmp(op, "memlock") || !strcmp(op, "memlock_plus")) {
		unsigned long long b = strtoull(w[1], NULL, 0);

		if (op[7])
			b = (vm_locked_kib() + b) * 1024;
		snprintf(lab, sizeof lab, "%llu", b);
		rc = CALL(set_memlock(b));
		line("MEMLOCK", lab, rc, err_now, NULL);
	} else if (!strcmp(op, "buffer")) {
		size_t sz = strtoull(w[1], NULL, 0) << 20;

		buf = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (buf != MAP_FAILED)
			memset(buf, 0x5a, sz);
		line("BUFFER", w[1], buf == MAP_FAILED ? -1 : 0, errno, NULL);
	} else if (!strcmp(op, "container")) {
		if (container >= 0)
			close(container);
		container = open("/dev/vfio/vfio", O_RDWR);
		nmaps = 0; /* rw looks up the new container's mappings only */
		line("CONTAINER", "new", container < 0 ? -1 : 0, errno, NULL);
	} else if (!strcmp(op, "open_group")) {
		int *g = group_fd(w[1], &name);
		char path[64];

		snprintf(path, sizeof path, "/dev/vfio/%s", name);
		*g = open(path, O_RDWR);
		line("OPEN_GROUP", w[1], *g < 0 ? -1 : 0, errno, NULL);
	} else if (!strcmp(op, "attach") || !strcmp(op, "detach")) {
		int *g = group_fd(w[1], &name);

		rc = CALL(op[0] == 'a' ? ioctl(*g, VFIO_GROUP_SET_CONTAINER, &container)
				       : ioctl(*g, VFIO_GROUP_UNSET_CONTAINER));
		line(op[0] == 'a' ? "ATTACH" : "DETACH", w[1], rc, err_now, NULL);
	} else if (!strcmp(op, "set_iommu")) {
		rc = CALL(ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU));
		line("SET_IOMMU", "type1v2", rc, err_now, NULL);
	} else if (!strcmp(op, "map")) {
		struct vfio_iommu_type1_dma_map m = {
			.argsz = sizeof m,
			.flags = !w[5]                  ? VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE
				 : !strcmp(w[5], "ro")   ? VFIO_DMA_MAP_FLAG_READ
				 : !strcmp(w[5], "vaddr") ? VFIO_DMA_MAP_FLAG_VADDR
							  : 0,
			.vaddr = (uintptr_t)(buf + strtoull(w[4], NULL, 0)),
			.iova = strtoull(w[2], NULL, 0),
			.size = strtoull(w[3], NULL, 0),
		};
		rc = CALL(ioctl(container, VFIO_IOMMU_MAP_DMA, &m));
		if (rc == 0 && !(m.flags & VFIO_DMA_MAP_FLAG_VADDR))
			remember_map(m.iova, m.size, (char *)(uintptr_t)m.vaddr);
		line("MAP", w[1], rc, err_now, NULL);
	} else if (!strcmp(op, "unmap")) {
		struct vfio_iommu_type1_dma_unmap u = {
			.argsz = sizeof u,
			.flags = !w[4]                   ? 0
				 : !strcmp(w[4], "all")   ? VFIO_DMA_UNMAP_FLAG_ALL
				 : !strcmp(w[4], "vaddr") ? VFIO_DMA_UNMAP_FLAG_VADDR
							  : 0,
			.iova = strtoull(w[2], NULL, 0),
			.size = strtoull(w[3], NULL, 0),
		};
		rc = ioctl(container, VFIO_IOMMU_UNMAP_DMA, &u);
		int e = errno;
		if (rc == 0 && !(u.flags & VFIO_DMA_UNMAP_FLAG_VADDR))
			forget_maps(u.iova, u.size, u.flags & VFIO_DMA_UNMAP_FLAG_ALL);
		char c0[200], c1[200];

		counters(0, c0, sizeof c0);
		counters(1, c1, sizeof c1);
		snprintf(extra, sizeof extra, "unmapped=0x%llx%s%s%s%s", (unsigned long long)u.size,
			 c0[0] ? " dev0 " : "", c0, c1[0] ? " dev1 " : "", c1);
		line("UNMAP", w[1], rc, e, extra);
	} else if (!strcmp(op, "open")) {
		d = atoi(w[1]) % NDEV;
		dev[d] = ioctl(group[d], VFIO_GROUP_GET_DEVICE_FD, uuid[d]);
		line("OPEN_DEVICE", w[1], dev[d] < 0 ? -1 : 0, errno, NULL);
	} else if (!strcmp(op, "close")) {
		d = atoi(w[1]) % NDEV;
		rc = CALL(close(dev[d]));
		dev[d] = -1;
		line("CLOSE_DEVICE", w[1], rc, err_now, NULL);
	} else if (!strcmp(op, "mode") || !strcmp(op, "pin") || !strcmp(op, "unpin") ||
		   !strcmp(op, "state")) {
		struct vtm_req r = { 0 };

		d = atoi(w[1]) % NDEV;
		snprintf(lab, sizeof lab, "%s", w[2] ? w[2] : "");
		if (op[0] == 'm') {
			r.what = VTM_MODE;
			r.mode = mode_of(w[2]);
		} else if (op[0] == 's') {
			r.what = VTM_STATE;
		} else {
			r.what = op[0] == 'p' ? VTM_PIN : VTM_UNPIN;
			r.iova = strtoull(w[3], NULL, 0);
			r.npage = strtoul(w[4], NULL, 0);
			r.prot = w[5] && !strcmp(w[5], "ro") ? 1 : 3;
		}
		rc = ioctl(dev[d], VTM_IOCTL, &r);
		int e = errno;

		snprintf(extra, sizeof extra, "dev%d held=%llu cb=%llu cb_unpinned=%llu cb_range=0x%llx+0x%llx",
			 d, (unsigned long long)r.held, (unsigned long long)r.callbacks,
			 (unsigned long long)r.cb_unpinned, (unsigned long long)r.cb_iova,
			 (unsigned long long)r.cb_length);
		line(op[0] == 'm' ? "MODE" : op[0] == 's' ? "STATE" : op[0] == 'p' ? "PIN" : "UNPIN", lab,
		     rc, e, extra);
	} else if (!strcmp(op, "rw") && n == 6) {
		do_rw(w);
	} else if (!strcmp(op, "dirty") && n == 2) {
		struct vfio_iommu_type1_dirty_bitmap db = {
			.argsz = sizeof db,
			.flags = !strcmp(w[1], "start") ? VFIO_IOMMU_DIRTY_PAGES_FLAG_START
							: VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP,
		};
		rc = CALL(ioctl(container, VFIO_IOMMU_DIRTY_PAGES, &db));
		line("DIRTY", w[1], rc, err_now, NULL);
	} else if (!strcmp(op, "dirty_get") && n == 4) {
		do_dirty_get(w);
	} else if (!strcmp(op, "close_group")) {
		int *g = group_fd(w[1], &name);

		rc = CALL(close(*g));
		*g = -1;
		line("CLOSE_GROUP", w[1], rc, err_now, NULL);
	} else {
		fprintf(out, "BAD %s\n", op);
	}
}

int main(int argc, char **argv)
{
	char l[512];
	FILE *ops;

	if (argc < 5) {
		fprintf(stderr, "usage: %s OPS OUT PT-GROUP MDEV-GROUP:UUID...\n", argv[0]);
		return 2;
	}
	ops = fopen(argv[1], "r");
	out = fopen(argv[2], "w");
	if (!ops || !out) {
		perror("vtmdev-probe");
		return 1;
	}
	/* the whole list in the stdio buffer at the first read: a forked child shares the offset */
	setvbuf(ops, NULL, _IOFBF, 1 << 20);
	pt_name = argv[3];
	for (int i = 0; i < NDEV && 4 + i < argc; i++) {
		static char copy[NDEV][128];

		snprintf(copy[i], sizeof copy[i], "%s", argv[4 + i]);
		char *c = strchr(copy[i], ':');

		if (!c)
			return 2;
		*c = 0;
		mdev_group[i] = copy[i];
		uuid[i] = c + 1;
	}
	while (fgets(l, sizeof l, ops))
		run(l);
	fprintf(out, "END\n");
	return 0;
}
