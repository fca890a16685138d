package io.vfio4j.replay;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.Map;
import java.util.TreeMap;

/**
 * The replay as JSON, written while it runs: {@code results} streams one object per call, the
 * summary follows it. The schema ({@code "schema": "vfio4j-replay/1"}) is documented in
 * docs/replay.md and only grows: keys are never renamed or removed within a schema version.
 * Addresses and sizes are exact unsigned integers (a 2^63-byte unmap is 9223372036854775808).
 */
public final class JsonReport implements ReplayListener, AutoCloseable {
    public static final String SCHEMA = "vfio4j-replay/1";

    private final JsonGenerator json;

    /** Starts the document; {@code out} is not closed. */
    public JsonReport(Writer out) {
        try {
            json = new JsonFactory().createGenerator(out);
            json.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            json.useDefaultPrettyPrinter();
            json.writeStartObject();
            json.writeStringField("schema", SCHEMA);
            json.writeArrayFieldStart("results");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void call(CallResult r) {
        try {
            json.writeStartObject();
            json.writeNumberField("line", r.line());
            json.writeStringField("op", r.op());
            json.writeFieldName("iova");
            json.writeNumber(Long.toUnsignedString(r.iova()));
            json.writeFieldName("size");
            json.writeNumber(Long.toUnsignedString(r.size()));
            json.writeNumberField("errno", r.errno());
            json.writeStringField("errno_name", r.errnoName());
            json.writeFieldName("unmapped");
            json.writeNumber(Long.toUnsignedString(r.unmapped()));
            json.writeNumberField("locked_vm_pages", r.lockedVmPages());
            if (r.recordedErrno() == TraceEvent.UNKNOWN) {
                json.writeNullField("recorded_errno");
            } else if (r.recordedErrno() == TraceEvent.FAILED) {
                json.writeNumberField("recorded_errno", -1);
            } else {
                json.writeNumberField("recorded_errno", r.recordedErrno());
            }
            json.writeBooleanField("differs", r.differs());
            json.writeStringField("source", r.source().name().toLowerCase(java.util.Locale.ROOT));
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Ends {@code results}, writes the summary and closes the document. */
    public void finish(ReplaySummary s) {
        try {
            json.writeEndArray();
            json.writeStringField("trace", s.trace());
            json.writeStringField("fixture", s.fixture());
            json.writeStringField("memory", s.memory());
            json.writeNumberField("lines", s.lines());
            json.writeNumberField("calls", s.calls());
            json.writeNumberField("replayed", s.replayed());
            json.writeArrayFieldStart("skipped");
            for (ReplaySummary.SkippedLine k : s.skipped()) {
                json.writeStartObject();
                json.writeNumberField("line", k.line());
                json.writeStringField("reason", k.reason());
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeArrayFieldStart("warnings");
            for (String w : s.warnings()) {
                json.writeString(w);
            }
            json.writeEndArray();
            json.writeObjectFieldStart("formats");
            for (Map.Entry<LineFormat, Long> f : new TreeMap<>(s.formats()).entrySet()) {
                json.writeNumberField(
                        f.getKey().name().toLowerCase(java.util.Locale.ROOT), f.getValue());
            }
            json.writeEndObject();
            json.writeNumberField("host_page_size", s.hostPageSize());
            json.writeNumberField("peak_locked_vm_pages", s.peakLockedVmPages());
            json.writeNumberField("peak_line", s.peakLine());
            json.writeNumberField("final_locked_vm_pages", s.finalLockedVmPages());
            json.writeNumberField("final_mappings", s.finalMappings());
            json.writeFieldName("final_mapped_bytes");
            json.writeNumber(Long.toUnsignedString(s.finalMappedBytes()));
            json.writeNumberField("min_memlock_bytes", s.minMemlockBytes());
            if (s.firstFailure().isPresent()) {
                ReplaySummary.Failure f = s.firstFailure().get();
                json.writeObjectFieldStart("first_failure");
                json.writeNumberField("line", f.line());
                json.writeStringField("op", f.op());
                json.writeNumberField("errno", f.errno());
                json.writeStringField("errno_name", f.errnoName());
                json.writeEndObject();
            } else {
                json.writeNullField("first_failure");
            }
            json.writeNumberField("refused", s.refused());
            json.writeNumberField("differing", s.differing());
            json.writeEndObject();
            json.writeRaw('\n');
            json.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            json.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
