/*
 * vfio4j kernel oracle: the guest-side probe.
 *
 * Reads an operation list (one operation a line) and issues each operation as a real VFIO type1
 * ioctl or system call, writing one result line per operation to OUT. Every scenario of the list
 * runs in a child process of its own, so that each starts with a fresh mm (locked_vm 0), the
 * initial capabilities and RLIMIT_MEMLOCK, and fresh container and group file descriptors.
 *
 *   usage: probe OPS OUT GROUP
 *
 * Operation list (numbers decimal or 0x hex; '#' starts a comment):
 *   scenario NAME
 *   ID mmap VADDR SIZE PROT          PROT: rw | r | none; anonymous private, at VADDR exactly
 *   ID munmap VADDR SIZE
 *   ID touch VADDR SIZE              write one byte in each 4 KiB page
 *   ID attach | ID detach            VFIO_GROUP_SET_CONTAINER / VFIO_GROUP_UNSET_CONTAINER
 *   ID set_iommu TYPE
 *   ID check_ext EXT
 *   ID map VADDR IOVA SIZE FLAGS ARGSZ
 *   ID unmap IOVA SIZE FLAGS ARGSZ PGSIZE
 *   ID info ARGSZ
 *   ID dirty FLAGS ARGSZ IOVA SIZE PGSIZE
 *   ID rlimit BYTES|unlimited        RLIMIT_MEMLOCK, soft and hard
 *   ID cap_ipc_lock 0|1              CAP_IPC_LOCK in the effective set (kept permitted)
 *   ID exit                          the process exits; the parent then reopens the group
 *
 * With the test vendor driver (built with -DVTMDEV, usage probe OPS OUT GROUP BDF MG:UUID...; D is
 * 0 or 1, the guest's vtmdev mdevs in argument order, MODE 0 well-behaved, 1 leaks-on-close,
 * 2 ignores-unmap as vtmdev.h numbers them):
 *   ID mdev_use D MODE               D stands for a scenario's mdev from now on, its driver in MODE
 *                                    at each open; nothing is issued (the guest made D at boot)
 *   ID mdev_attach D | ID mdev_detach D      SET_CONTAINER / UNSET_CONTAINER of D's group
 *   ID mdev_open D | ID mdev_close D         GET_DEVICE_FD (then the mode) / close(2)
 *   ID pin D IOVA NPAGE PROT CHUNK   vfio_pin_pages in calls of at most CHUNK; stops at a failure
 *   ID unpin D IOVA NPAGE CHUNK      vfio_unpin_pages likewise
 *   ID pt_open | ID pt_close         the passthrough device's file descriptor (BDF)
 *   Results of mdev operations and of unmap add heldD=REFERENCES cbD=CALLBACKS for each open D
 *   (callbacks since its open), and pin calls=N.
 *
 * Result lines (OUT):
 *   S NAME group=GROUP
 *   R ID RC ERRNO LOCKED_KB [KEY=VALUE ...]     ERRNO is 0 or the errno's name
 *   X NAME reopen=0|ERRNO                       after an exit: can the group be opened again
 *   E NAME status=N
 *   DONE
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

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define MAX_TOKENS 12

static FILE *out;
static const char *group_path;
static int container = -1, group = -1;

#ifdef VTMDEV
#include "vtmdev.h"
#define NDEV 2
static void result(const char *id, long rc, int err, const char *extra);
static const char *pt_bdf, *mdev_path[NDEV], *mdev_uuid[NDEV];
static int ndev, pt_dev = -1, mgroup[NDEV] = { -1, -1 }, mdev_fd[NDEV] = { -1, -1 };
static unsigned mdev_mode[NDEV];

/* heldD= and cbD= of each open mdev, appended to extra */
static void mdev_counters(char *extra, size_t size)
{
    for (int d = 0; d < ndev; d++) {
        struct vtm_req r = { .what = VTM_STATE };
        size_t n = strlen(extra);
        if (mdev_fd[d] >= 0 && ioctl(mdev_fd[d], VTM_IOCTL, &r) == 0)
            snprintf(extra + n, size - n, "%sheld%d=%llu cb%d=%llu", n ? " " : "", d,
                     (unsigned long long)r.held, d, (unsigned long long)r.callbacks);
    }
}

/* An mdev operation; returns 0 when op is not one. */
static int run_mdev_op(const char *id, const char *op, const uint64_t *a, int n)
{
    char extra[256] = "";
    long rc = 0;
    int e = 0, d = (int)(a[0] % NDEV);
    if (!strcmp(op, "pt_open") && n == 2) {
        pt_dev = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, pt_bdf);
        result(id, pt_dev < 0 ? -1 : 0, errno, "");
        return 1;
    }
    if (!strcmp(op, "pt_close") && n == 2) {
        rc = close(pt_dev);
        e = errno;
        pt_dev = -1;
        result(id, rc, e, "");
        return 1;
    }
    if (d >= ndev)
        return 0;
    if (!strcmp(op, "mdev_use") && n == 4) {
        mdev_mode[d] = (unsigned)a[1];
    } else if ((!strcmp(op, "mdev_attach") || !strcmp(op, "mdev_detach")) && n == 3) {
        if (mgroup[d] < 0)
            mgroup[d] = open(mdev_path[d], O_RDWR);
        rc = mgroup[d] < 0 ? -1
             : op[5] == 'a' ? ioctl(mgroup[d], VFIO_GROUP_SET_CONTAINER, &container)
                            : ioctl(mgroup[d], VFIO_GROUP_UNSET_CONTAINER);
        e = errno;
    } else if (!strcmp(op, "mdev_open") && n == 3) {
        if (mgroup[d] < 0) /* a VMM holds the group's file before it asks for a device */
            mgroup[d] = open(mdev_path[d], O_RDWR);
        mdev_fd[d] = ioctl(mgroup[d], VFIO_GROUP_GET_DEVICE_FD, mdev_uuid[d]);
        e = errno;
        rc = mdev_fd[d] < 0 ? -1 : 0;
        if (rc == 0) {
            struct vtm_req r = { .what = VTM_MODE, .mode = mdev_mode[d] };
            rc = ioctl(mdev_fd[d], VTM_IOCTL, &r);
            e = errno;
        }
    } else if (!strcmp(op, "mdev_close") && n == 3) {
        rc = close(mdev_fd[d]);
        e = errno;
        mdev_fd[d] = -1;
    } else if ((!strcmp(op, "pin") && n == 7) || (!strcmp(op, "unpin") && n == 6)) {
        int pin = op[0] == 'p';
        uint64_t npage = a[2], chunk = pin ? a[4] : a[3], calls = 0;
        /* a count of 0 (or one that is negative as an int) is one call, passed as it is */
        for (uint64_t done = 0; rc == 0 && (done < npage || calls == 0); done += chunk) {
            uint64_t left = npage - done;
            struct vtm_req r = { .what = pin ? VTM_PIN : VTM_UNPIN,
                                 .iova = a[1] + done * 4096,
                                 .npage = (uint32_t)(npage == 0 || (int32_t)npage < 0 ? npage
                                                     : left < chunk ? left : chunk),
                                 .prot = (uint32_t)a[3] };
            calls++;
            rc = ioctl(mdev_fd[d], VTM_IOCTL, &r);
            e = errno;
            if (npage == 0 || (int32_t)npage < 0)
                break;
        }
        if (pin)
            snprintf(extra, sizeof extra, "calls=%llu", (unsigned long long)calls);
    } else {
        return 0;
    }
    mdev_counters(extra, sizeof extra);
    result(id, rc, e, extra);
    return 1;
}
#endif

static long locked_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmLck: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

static const char *err_name(int e)
{
    const char *n = strerrorname_np(e);
    return n ? n : "EUNKNOWN";
}

/* One result line: rc < 0 names errno; extra is appended as is (may be empty). */
static void result(const char *id, long rc, int err, const char *extra)
{
    fprintf(out, "R %s %ld %s %ld%s%s\n", id, rc, rc < 0 ? err_name(err) : "0", locked_kb(),
            extra[0] ? " " : "", extra);
    fflush(out);
}

static int parse_u64(const char *s, uint64_t *v)
{
    char *end;
    if (!s)
        return -1;
    errno = 0;
    *v = strtoull(s, &end, 0);
    return (errno || *end) ? -1 : 0;
}

static int set_cap_ipc_lock(int on)
{
    struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &hdr, data) < 0)
        return -1;
    if (on)
        data[CAP_TO_INDEX(CAP_IPC_LOCK)].effective |= CAP_TO_MASK(CAP_IPC_LOCK);
    else
        data[CAP_TO_INDEX(CAP_IPC_LOCK)].effective &= ~CAP_TO_MASK(CAP_IPC_LOCK);
    return (int)syscall(SYS_capset, &hdr, data);
}

static void do_info(const char *id, uint64_t argsz)
{
    size_t len = argsz < 4096 ? 4096 : (argsz > (1 << 20) ? (1 << 20) : argsz);
    char *buf = calloc(1, len);
    struct vfio_iommu_type1_info *info = (void *)buf;
    char extra[1024];
    int n = 0;
    info->argsz = (uint32_t)argsz;
    long rc = ioctl(container, VFIO_IOMMU_GET_INFO, info);
    int e = errno;
    if (rc < 0) {
        result(id, rc, e, "");
        free(buf);
        return;
    }
    n += snprintf(extra + n, sizeof extra - n, "argsz=%u flags=0x%x pgsizes=0x%llx", info->argsz,
                  info->flags, (unsigned long long)info->iova_pgsizes);
    if ((info->flags & VFIO_IOMMU_INFO_CAPS) && argsz >= info->argsz) {
        for (uint32_t off = info->cap_offset; off && off + 8 <= len && n < 900;) {
            struct vfio_info_cap_header *h = (void *)(buf + off);
            if (h->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
                struct vfio_iommu_type1_info_cap_iova_range *r = (void *)h;
                n += snprintf(extra + n, sizeof extra - n, " ranges=");
                for (uint32_t i = 0; i < r->nr_iovas && n < 900; i++)
                    n += snprintf(extra + n, sizeof extra - n, "%s0x%llx-0x%llx", i ? "," : "",
                                  (unsigned long long)r->iova_ranges[i].start,
                                  (unsigned long long)r->iova_ranges[i].end);
            } else if (h->id == VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION) {
                struct vfio_iommu_type1_info_cap_migration *m = (void *)h;
                n += snprintf(extra + n, sizeof extra - n,
                              " migration=1 mig_pgsizes=0x%llx mig_max=0x%llx",
                              (unsigned long long)m->pgsize_bitmap,
                              (unsigned long long)m->max_dirty_bitmap_size);
            } else if (h->id == VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL) {
                struct vfio_iommu_type1_info_dma_avail *d = (void *)h;
                n += snprintf(extra + n, sizeof extra - n, " dma_avail=%u", d->avail);
            } else {
                n += snprintf(extra + n, sizeof extra - n, " cap%u=v%u", h->id, h->version);
            }
            off = h->next;
        }
    }
    result(id, 0, 0, extra);
    free(buf);
}

static long bits_set(const uint64_t *words, uint64_t nwords)
{
    long c = 0;
    for (uint64_t i = 0; i < nwords; i++)
        c += __builtin_popcountll(words[i]);
    return c;
}

/* Bitmap bytes for SIZE at PGSIZE: one bit a page, in whole u64 words (as the uAPI asks). */
static uint64_t bitmap_bytes(uint64_t size, uint64_t pgsize)
{
    uint64_t pages = pgsize ? size / pgsize : 0;
    return ((pages + 63) / 64) * 8;
}

static void do_unmap(const char *id, uint64_t iova, uint64_t size, uint32_t flags, uint64_t argsz,
                     uint64_t pgsize)
{
    size_t hdr = sizeof(struct vfio_iommu_type1_dma_unmap);
    uint64_t bmbytes = (flags & VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP) ? bitmap_bytes(size, pgsize) : 0;
    uint64_t *bits = bmbytes ? calloc(1, bmbytes) : NULL;
    char *buf = calloc(1, hdr + sizeof(struct vfio_bitmap));
    struct vfio_iommu_type1_dma_unmap *u = (void *)buf;
    char extra[256];
    u->argsz = (uint32_t)argsz;
    u->flags = flags;
    u->iova = iova;
    u->size = size;
    if (bits) {
        struct vfio_bitmap *b = (void *)(buf + hdr);
        b->pgsize = pgsize;
        b->size = bmbytes;
        b->data = (void *)bits;
    }
    long rc = ioctl(container, VFIO_IOMMU_UNMAP_DMA, u);
    int e = errno;
    extra[0] = 0;
    if (rc == 0) { /* the kernel writes the unmapped size back on success only */
        int n = snprintf(extra, sizeof extra, "unmapped=0x%llx", (unsigned long long)u->size);
        if (bits)
            snprintf(extra + n, sizeof extra - n, " dirty=%ld", bits_set(bits, bmbytes / 8));
    }
#ifdef VTMDEV
    mdev_counters(extra, sizeof extra);
#endif
    result(id, rc, e, extra);
    free(bits);
    free(buf);
}

static void do_dirty(const char *id, uint32_t flags, uint64_t argsz, uint64_t iova, uint64_t size,
                     uint64_t pgsize)
{
    size_t hdr = sizeof(struct vfio_iommu_type1_dirty_bitmap);
    char *buf = calloc(1, hdr + sizeof(struct vfio_iommu_type1_dirty_bitmap_get));
    struct vfio_iommu_type1_dirty_bitmap *d = (void *)buf;
    uint64_t bmbytes = 0;
    uint64_t *bits = NULL;
    char extra[64] = "";
    d->argsz = (uint32_t)argsz;
    d->flags = flags;
    if (flags & VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP) {
        struct vfio_iommu_type1_dirty_bitmap_get *g = (void *)(buf + hdr);
        bmbytes = bitmap_bytes(size, pgsize);
        bits = calloc(1, bmbytes ? bmbytes : 8);
        g->iova = iova;
        g->size = size;
        g->bitmap.pgsize = pgsize;
        g->bitmap.size = bmbytes;
        g->bitmap.data = (void *)bits;
    }
    long rc = ioctl(container, VFIO_IOMMU_DIRTY_PAGES, d);
    int e = errno;
    if (bits && rc == 0)
        snprintf(extra, sizeof extra, "dirty=%ld", bits_set(bits, bmbytes / 8));
    result(id, rc, e, extra);
    free(bits);
    free(buf);
}

/* Runs one operation; returns 1 when the process is to exit. */
static int run_op(char **t, int n)
{
    const char *id = t[0], *op = t[1];
    uint64_t a[6] = { 0 };
    long rc;
    int e;
    for (int i = 2; i < n && i - 2 < 6; i++)
        if (parse_u64(t[i], &a[i - 2]) < 0 && strcmp(op, "mmap") && strcmp(op, "rlimit")) {
            fprintf(out, "R %s BAD-OPERAND %s\n", id, t[i]);
            fflush(out);
            return 0;
        }
#ifdef VTMDEV
    if (run_mdev_op(id, op, a, n))
        return 0;
#endif
    if (!strcmp(op, "mmap") && n == 5) {
        int prot = !strcmp(t[4], "rw") ? PROT_READ | PROT_WRITE : !strcmp(t[4], "r") ? PROT_READ : PROT_NONE;
        void *p = mmap((void *)(uintptr_t)a[0], a[1], prot,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_NORESERVE, -1, 0);
        e = errno;
        rc = p == MAP_FAILED ? -1 : ((uintptr_t)p == a[0] ? 0 : (munmap(p, a[1]), e = EEXIST, -1));
        result(id, rc, e, "");
    } else if (!strcmp(op, "munmap") && n == 4) {
        rc = munmap((void *)(uintptr_t)a[0], a[1]);
        result(id, rc, errno, "");
    } else if (!strcmp(op, "touch") && n == 4) {
        for (uint64_t off = 0; off < a[1]; off += 4096)
            ((volatile char *)(uintptr_t)a[0])[off] = 1;
        result(id, 0, 0, "");
    } else if (!strcmp(op, "attach") && n == 2) {
        rc = ioctl(group, VFIO_GROUP_SET_CONTAINER, &container);
        result(id, rc, errno, "");
    } else if (!strcmp(op, "detach") && n == 2) {
        rc = ioctl(group, VFIO_GROUP_UNSET_CONTAINER);
        result(id, rc, errno, "");
    } else if (!strcmp(op, "set_iommu") && n == 3) {
        rc = ioctl(container, VFIO_SET_IOMMU, (unsigned long)a[0]);
        result(id, rc, errno, "");
    } else if (!strcmp(op, "check_ext") && n == 3) {
        rc = ioctl(container, VFIO_CHECK_EXTENSION, (unsigned long)a[0]);
        e = errno;
        char extra[32];
        snprintf(extra, sizeof extra, "value=%ld", rc);
        result(id, rc < 0 ? rc : 0, e, rc < 0 ? "" : extra);
    } else if (!strcmp(op, "map") && n == 7) {
        struct vfio_iommu_type1_dma_map m = { .argsz = (uint32_t)a[4], .flags = (uint32_t)a[3],
                                              .vaddr = a[0], .iova = a[1], .size = a[2] };
        rc = ioctl(container, VFIO_IOMMU_MAP_DMA, &m);
        result(id, rc, errno, "");
    } else if (!strcmp(op, "unmap") && n == 7) {
        do_unmap(id, a[0], a[1], (uint32_t)a[2], a[3], a[4]);
    } else if (!strcmp(op, "info") && n == 3) {
        do_info(id, a[0]);
    } else if (!strcmp(op, "dirty") && n == 7) {
        do_dirty(id, (uint32_t)a[0], a[1], a[2], a[3], a[4]);
    } else if (!strcmp(op, "rlimit") && n == 3) {
        struct rlimit rl;
        if (!strcmp(t[2], "unlimited"))
            rl.rlim_cur = rl.rlim_max = RLIM_INFINITY;
        else if (parse_u64(t[2], &a[0]) == 0)
            rl.rlim_cur = rl.rlim_max = a[0];
        else {
            fprintf(out, "R %s BAD-OPERAND %s\n", id, t[2]);
            fflush(out);
            return 0;
        }
        rc = setrlimit(RLIMIT_MEMLOCK, &rl);
        result(id, rc, errno, "");
    } else if (!strcmp(op, "cap_ipc_lock") && n == 3) {
        rc = set_cap_ipc_lock(a[0] != 0);
        result(id, rc, errno, "");
    } else if (!strcmp(op, "exit") && n == 2) {
        result(id, 0, 0, "");
        return 1;
    } else {
        fprintf(out, "R %s BAD-OPERATION %s/%d\n", id, op, n);
        fflush(out);
    }
    return 0;
}

static int tokenize(char *line, char **t)
{
    int n = 0;
    char *hash = strchr(line, '#');
    if (hash)
        *hash = 0;
    for (char *s = strtok(line, " \t\r\n"); s && n < MAX_TOKENS; s = strtok(NULL, " \t\r\n"))
        t[n++] = s;
    return n;
}

/* The child: open the container and the group, then run the scenario's operations. */
static void run_scenario(char **lines, int count)
{
    container = open("/dev/vfio/vfio", O_RDWR);
    int ce = errno;
    group = open(group_path, O_RDWR);
    int ge = errno;
    if (container < 0 || group < 0) {
        fprintf(out, "R open -1 %s 0\n", err_name(container < 0 ? ce : ge));
        fflush(out);
        _exit(3);
    }
    for (int i = 0; i < count; i++) {
        char *t[MAX_TOKENS];
        int n = tokenize(lines[i], t);
        if (n >= 2 && run_op(t, n))
            _exit(0);
    }
    _exit(0);
}

static void finish_scenario(const char *name, char **lines, int count, int exited)
{
    int status = 0;
    fflush(out);
    pid_t pid = fork();
    if (pid == 0)
        run_scenario(lines, count);
    waitpid(pid, &status, 0);
    if (exited) {
        int fd = open(group_path, O_RDWR);
        fprintf(out, "X %s reopen=%s\n", name, fd < 0 ? err_name(errno) : "0");
        if (fd >= 0)
            close(fd);
    }
    fprintf(out, "E %s status=%d\n", name, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    fflush(out);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s OPS OUT GROUP [BDF MDEV-GROUP:UUID...]\n", argv[0]);
        return 2;
    }
#ifdef VTMDEV
    pt_bdf = argc > 4 ? argv[4] : "";
    for (int i = 5; i < argc && ndev < NDEV; i++, ndev++) {
        static char copy[NDEV][128], path[NDEV][64];
        snprintf(copy[ndev], sizeof copy[ndev], "%s", argv[i]);
        char *c = strchr(copy[ndev], ':');
        if (!c)
            return 2;
        *c = 0;
        snprintf(path[ndev], sizeof path[ndev], "/dev/vfio/%s", copy[ndev]);
        mdev_path[ndev] = path[ndev];
        mdev_uuid[ndev] = c + 1;
    }
#endif
    FILE *in = fopen(argv[1], "r");
    out = fopen(argv[2], "w");
    if (!in || !out) {
        perror("open");
        return 1;
    }
    static char path[64];
    snprintf(path, sizeof path, "/dev/vfio/%s", argv[3]);
    group_path = path;

    char *line = NULL, *name = NULL;
    size_t cap = 0;
    char **lines = NULL;
    int count = 0, max = 0, exited = 0;
    while (getline(&line, &cap, in) >= 0) {
        char copy[512], *t[MAX_TOKENS];
        snprintf(copy, sizeof copy, "%s", line);
        int n = tokenize(copy, t);
        if (n == 0)
            continue;
        if (!strcmp(t[0], "scenario") && n == 2) {
            if (name)
                finish_scenario(name, lines, count, exited);
            for (int i = 0; i < count; i++)
                free(lines[i]);
            free(name);
            name = strdup(t[1]);
            count = 0;
            exited = 0;
            fprintf(out, "S %s group=%s\n", name, argv[3]);
            fflush(out);
            continue;
        }
        if (!name)
            continue; /* an operation outside a scenario has no process to run in */
        if (n >= 2 && !strcmp(t[1], "exit"))
            exited = 1;
        if (count == max) {
            max = max ? 2 * max : 64;
            lines = realloc(lines, max * sizeof *lines);
        }
        lines[count++] = strdup(line);
    }
    if (name)
        finish_scenario(name, lines, count, exited);
    fprintf(out, "DONE\n");
    fclose(out);
    return 0;
}
