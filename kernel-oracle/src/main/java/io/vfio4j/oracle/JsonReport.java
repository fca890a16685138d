package io.vfio4j.oracle;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;

/** The report as JSON: per kernel its package and every compared operation, then the unchecked. */
public final class JsonReport {
    private JsonReport() {}

    public static String render(OracleReport r) {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(w)) {
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeStringField("title", r.title());
            g.writeBooleanField("passed", r.passed());
            g.writeArrayFieldStart("kernels");
            for (KernelComparison k : r.kernels()) {
                kernel(g, k);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("not_checked");
            for (OraclePlan.Unchecked u : r.unchecked()) {
                g.writeStartObject();
                g.writeStringField("scenario", u.scenario());
                g.writeStringField("step", u.step());
                g.writeStringField("reason", u.reason());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    private static void kernel(JsonGenerator g, KernelComparison k) throws IOException {
        FetchedKernel f = k.run().kernel();
        g.writeStartObject();
        g.writeStringField("era", k.kernel().era());
        g.writeStringField("suite", k.kernel().suite());
        g.writeStringField("package", f.packageName());
        g.writeStringField("version", f.version());
        g.writeStringField("release", k.run().output().kernelRelease());
        g.writeNumberField("boot_ms", k.run().wall().toMillis());
        g.writeBooleanField("passed", k.passed());
        g.writeObjectFieldStart("counts");
        for (Verdict v : Verdict.values()) {
            g.writeNumberField(v.name().toLowerCase(java.util.Locale.ROOT), k.count(v));
        }
        g.writeEndObject();
        g.writeArrayFieldStart("problems");
        for (String p : k.problems()) {
            g.writeString(p);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("steps");
        for (StepComparison s : k.steps()) {
            g.writeStartObject();
            g.writeStringField("scenario", s.scenario());
            g.writeStringField("id", s.op().id());
            g.writeStringField("label", s.label());
            g.writeStringField("operation", s.op().line());
            g.writeStringField("verdict", s.verdict().name().toLowerCase(java.util.Locale.ROOT));
            answer(g, "model", s.model());
            answer(g, "kernel", s.kernel());
            g.writeArrayFieldStart("differences");
            for (FieldDiff d : s.diffs()) {
                g.writeStartObject();
                g.writeStringField("field", d.field());
                g.writeStringField("model", d.model());
                g.writeStringField("kernel", d.kernel());
                g.writeEndObject();
            }
            g.writeEndArray();
            if (s.known().isPresent()) {
                g.writeStringField("known", s.known().get().id());
                g.writeStringField(
                        "known_kind",
                        s.known().get().kind().name().toLowerCase(java.util.Locale.ROOT));
                g.writeStringField("reason", s.known().get().reason());
            }
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private static void answer(JsonGenerator g, String name, Optional<ProbeResult> r)
            throws IOException {
        if (r.isEmpty()) {
            g.writeNullField(name);
            return;
        }
        g.writeObjectFieldStart(name);
        g.writeStringField("errno", r.get().ok() ? "ok" : r.get().errno());
        g.writeNumberField("locked_vm_kib", r.get().lockedKb());
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(r.get().values()).entrySet()) {
            g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
    }
}
