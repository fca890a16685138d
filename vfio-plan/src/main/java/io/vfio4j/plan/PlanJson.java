package io.vfio4j.plan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;

/** The plan as JSON, schema {@code vfio4j-plan/1} (documented in docs/plan.md). */
public final class PlanJson {
    public static final String SCHEMA = "vfio4j-plan/1";

    private static final ObjectMapper MAPPER =
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private PlanJson() {}

    public static String render(PlanResult r) {
        try {
            return MAPPER.writeValueAsString(tree(r));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ObjectNode tree(PlanResult r) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("schema", SCHEMA);
        DomainSpec d = r.domain();
        ObjectNode dom = root.putObject("domain");
        dom.put("file", d.file());
        dom.put("name", d.name());
        dom.put("type", d.domainType());
        dom.put("arch", d.arch().name().toLowerCase(java.util.Locale.ROOT));
        dom.put("machine", d.machine());
        dom.put("memory_bytes", d.totalKiB() << 10);
        dom.put("max_memory_bytes", d.maxKiB() << 10);
        dom.put("viommu_in_xml", !d.iommuModels().isEmpty());
        dom.put("viommu_on_command_line", d.commandLineIommu());
        StepResult start = r.steps().get(0);
        ObjectNode lv = root.putObject("libvirt");
        lv.put("era", r.era().label());
        lv.put("limit_bytes", start.libvirt().bytes());
        lv.put("rule", start.libvirt().rule());
        lv.put("applied_bytes", start.limitBytes());
        lv.put("inherited_bytes", r.inheritedLimitBytes());
        ObjectNode need = root.putObject("need");
        need.put("page_size", r.pageSize());
        need.put("locked_vm_bytes", r.peakLockedVmBytes());
        need.put("locked_vm_pages", r.peakLockedVmBytes() / r.pageSize());
        need.put("pinned_vm_bytes", r.peakPinnedVmBytes());
        need.put("pinned_vm_pages", r.peakPinnedVmBytes() / r.pageSize());
        need.put("min_memlock_bytes", r.minMemlockBytes());
        need.put("mdev_working_set_bytes", r.mdevWorkingSetBytes());
        root.put("verdict", r.verdict().name());
        if (r.verdict() == Verdict.OK) {
            root.put("slack_bytes", PlanText.minSlack(r));
        }
        failure(root, r.firstFailing().flatMap(StepResult::failure));
        ArrayNode nm = root.putArray("not_modelled");
        r.notModelled().forEach(nm::add);
        containers(root.putArray("containers"), start.containers());
        ArrayNode steps = root.putArray("steps");
        for (StepResult s : r.steps()) {
            ObjectNode n = steps.addObject();
            n.put("step", s.label());
            n.put("libvirt_limit_bytes", s.libvirt().bytes());
            n.put("libvirt_rule", s.libvirt().rule());
            n.put("limit_bytes", s.limitBytes());
            n.put("locked_vm_bytes", s.lockedVmBytes());
            n.put("pinned_vm_bytes", s.pinnedVmBytes());
            n.put("need_bytes", s.needBytes());
            n.put("verdict", s.verdict().name());
            failure(n, s.failure());
            containers(n.putArray("containers"), s.containers());
        }
        return root;
    }

    private static void failure(ObjectNode parent, Optional<Failure> f) {
        if (f.isEmpty()) {
            parent.putNull("failure");
            return;
        }
        ObjectNode n = parent.putObject("failure");
        n.put("device", f.get().device());
        n.put("action", f.get().action());
        n.put("errno", f.get().errno());
        n.put("message", f.get().message());
    }

    private static void containers(ArrayNode out, List<ContainerCharge> list) {
        for (ContainerCharge c : list) {
            ObjectNode n = out.addObject();
            n.put("name", c.name());
            n.put("kind", c.kind());
            n.put("counter", c.counter());
            ArrayNode devs = n.putArray("devices");
            c.devices().forEach(devs::add);
            n.put("charged_bytes", c.chargedBytes());
        }
    }
}
