package io.vfio4j.cli.scenario;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scenario results as JSON: {@code {"passed": bool, "scenarios": [...]}} with every step's outcome,
 * failures, results and the state after it, and the closing summary. Page counts are exact
 * integers; sizes are bytes.
 */
public final class JsonReport {
    private JsonReport() {}

    public static String write(List<ScenarioResult> results) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("passed", results.stream().allMatch(ScenarioResult::passed));
        List<Object> list = new ArrayList<>();
        for (ScenarioResult r : results) {
            list.add(scenario(r));
        }
        root.put("scenarios", list);
        return PrettyJson.write(root);
    }

    private static Map<String, Object> scenario(ScenarioResult r) {
        Scenario s = r.scenario();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", s.name());
        m.put("title", s.title());
        m.put("source", s.source());
        m.put("passed", r.passed());
        m.put("pageSize", r.pageSize());
        m.put("millis", r.millis());
        if (r.setupError() != null) {
            m.put("setupError", r.setupError());
        }
        m.put("stepsPassed", r.count(StepResult.Status.PASSED));
        m.put("stepsFailed", r.count(StepResult.Status.FAILED));
        m.put("stepsSkipped", r.count(StepResult.Status.SKIPPED));
        List<Object> steps = new ArrayList<>();
        for (StepResult sr : r.steps()) {
            steps.add(step(sr, r.showsIommufdCounters()));
        }
        m.put("steps", steps);
        List<Object> procs = new ArrayList<>();
        for (ScenarioResult.ProcessSummary p : r.processes()) {
            Map<String, Object> pm = new LinkedHashMap<>();
            pm.put("name", p.name());
            pm.put("pid", p.pid());
            pm.put(
                    "memlockBytes",
                    p.memlockBytes() == io.vfio4j.api.host.Task.UNLIMITED
                            ? "unlimited"
                            : p.memlockBytes());
            pm.put("capIpcLock", p.capIpcLock());
            pm.put("peakLockedVm", p.peakLockedVm());
            pm.put("finalLockedVm", p.finalLockedVm());
            pm.put("state", p.state());
            if (r.showsIommufdCounters()) {
                pm.put("finalPinnedVm", p.finalPinnedVm());
                pm.put("finalUserLockedVm", p.finalUserLockedVm());
            }
            procs.add(pm);
        }
        m.put("processes", procs);
        List<Object> containers = new ArrayList<>();
        for (ScenarioResult.ContainerSummary c : r.containers()) {
            Map<String, Object> cm = new LinkedHashMap<>();
            cm.put("name", c.name());
            cm.put("backend", c.backend());
            cm.put("backendOrigin", c.backendOrigin());
            cm.put("type", c.type());
            cm.put("mappings", c.mappings());
            cm.put("mappedBytes", c.mappedBytes());
            cm.put("dmaAvail", c.dmaAvail());
            cm.put("pinnedPages", c.pins());
            cm.put("peakPinnedPages", c.peakPins());
            cm.put("pinReferences", c.pinReferences());
            cm.put("details", new java.util.TreeMap<>(c.details()));
            containers.add(cm);
        }
        m.put("containers", containers);
        m.put("leaks", r.leaks());
        m.put("warnings", r.warnings());
        return m;
    }

    private static Map<String, Object> step(StepResult sr, boolean iommufd) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("number", sr.step().number());
        m.put("line", sr.step().line());
        m.put("op", sr.step().op());
        m.put("description", sr.step().action().describe());
        if (sr.step().note() != null && !sr.step().note().isEmpty()) {
            m.put("note", sr.step().note());
        }
        m.put("status", sr.status().name().toLowerCase(java.util.Locale.ROOT));
        m.put("outcome", sr.outcome());
        m.put("expected", sr.step().expect().outcome());
        if (!sr.message().isEmpty()) {
            m.put("message", sr.message());
        }
        m.put("failures", sr.failures());
        m.put("results", new java.util.TreeMap<>(sr.results()));
        m.put("lockedVm", sr.lockedVm());
        if (iommufd) {
            m.put("pinnedVm", new java.util.TreeMap<>(sr.pinnedVm()));
            m.put("userLockedVm", new java.util.TreeMap<>(sr.userLockedVm()));
        }
        Map<String, Object> cs = new LinkedHashMap<>();
        sr.containers()
                .forEach(
                        (name, c) -> {
                            Map<String, Object> cm = new LinkedHashMap<>();
                            cm.put("iommuSet", c.set());
                            cm.put("backend", c.backend());
                            cm.put("mappings", c.mappings());
                            cm.put("mappedBytes", c.mappedBytes());
                            cm.put("dmaAvail", c.dmaAvail());
                            cm.put("pinnedPages", c.pins());
                            cm.put("pinReferences", c.pinRefs());
                            cs.put(name, cm);
                        });
        m.put("containers", cs);
        return m;
    }
}
