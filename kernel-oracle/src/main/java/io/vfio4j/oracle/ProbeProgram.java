package io.vfio4j.oracle;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Scenarios for one guest boot, in the text form the probe reads (see {@code guest/probe.c}). */
public record ProbeProgram(List<ProbeScenario> scenarios) {
    public ProbeProgram {
        scenarios = List.copyOf(scenarios);
        Set<String> names = new HashSet<>();
        for (ProbeScenario s : scenarios) {
            if (!names.add(s.name())) {
                throw new IllegalArgumentException("scenario '" + s.name() + "' twice");
            }
        }
    }

    /** Whether any operation needs the test vendor driver's guest ({@link MdevGuest}). */
    public boolean usesMdev() {
        return scenarios.stream().flatMap(s -> s.ops().stream()).anyMatch(ProbeOp::mdev);
    }

    public String render() {
        StringBuilder b = new StringBuilder();
        for (ProbeScenario s : scenarios) {
            b.append("scenario ").append(s.name()).append('\n');
            for (ProbeOp op : s.ops()) {
                b.append(op.line()).append('\n');
            }
        }
        return b.toString();
    }

    /**
     * Reads the text form; {@code #} starts a comment.
     *
     * @throws OracleInputException naming {@code source:line:column} of the first error
     */
    public static ProbeProgram parse(String source, String text) {
        List<ProbeScenario> out = new ArrayList<>();
        String name = null;
        List<ProbeOp> ops = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String raw = lines[i];
            int hash = raw.indexOf('#');
            String line = (hash >= 0 ? raw.substring(0, hash) : raw).strip();
            if (line.isEmpty()) {
                continue;
            }
            int column = raw.indexOf(line.charAt(0)) + 1;
            String[] t = line.split("\\s+");
            try {
                if (t[0].equals("scenario")) {
                    if (t.length != 2) {
                        throw new IllegalArgumentException("scenario takes one name");
                    }
                    if (name != null) {
                        out.add(new ProbeScenario(name, ops));
                    }
                    name = t[1];
                    ops = new ArrayList<>();
                    new ProbeScenario(name, List.of());
                    continue;
                }
                if (name == null) {
                    throw new IllegalArgumentException(
                            "an operation before the first scenario line");
                }
                if (t.length < 2) {
                    throw new IllegalArgumentException("expected ID OPERATION [OPERANDS]");
                }
                ProbeOp op = new ProbeOp(t[0], t[1], List.of(t).subList(2, t.length));
                checkOperands(op);
                ops.add(op);
            } catch (IllegalArgumentException e) {
                throw new OracleInputException(
                        source + ":" + (i + 1) + ":" + column + ": " + e.getMessage());
            }
        }
        if (name != null) {
            out.add(new ProbeScenario(name, ops));
        }
        try {
            return new ProbeProgram(out);
        } catch (IllegalArgumentException e) {
            throw new OracleInputException(source + ": " + e.getMessage());
        }
    }

    private static void checkOperands(ProbeOp op) {
        for (int i = 0; i < op.args().size(); i++) {
            String a = op.args().get(i);
            if (op.op().equals("mmap") && i == 2) {
                if (!ProbeOp.PROTS.contains(a)) {
                    throw new IllegalArgumentException("mmap protection must be rw, r or none");
                }
            } else if (!(op.op().equals("rlimit") && a.equals("unlimited"))) {
                try {
                    op.num(i);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("'" + a + "' is not a number");
                }
            }
        }
    }
}
