package io.vfio4j.oracle;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads the probe's result channel (see {@code guest/probe.c}). Lines it does not know are counted
 * as problems, never guessed at; a result line must have its four fields in their forms.
 */
public final class GuestOutputParser {
    private static final Pattern ERRNO = Pattern.compile("0|E[A-Z0-9]+");
    private static final Pattern NUMBER = Pattern.compile("-?[0-9]+");
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_.:-]+");

    private GuestOutputParser() {}

    public static GuestOutput parse(String text) {
        String release = "";
        Optional<Integer> group = Optional.empty();
        List<ScenarioResults> done = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        boolean complete = false;
        String name = null;
        List<ProbeResult> results = new ArrayList<>();
        Optional<String> reopen = Optional.empty();
        int lineNo = 0;
        for (String raw : text.split("\n", -1)) {
            lineNo++;
            String line = raw.replace("\r", "").strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] t = line.split(" +");
            String where = "result line " + lineNo + ": ";
            switch (t[0]) {
                case "KERNEL" -> release = t.length == 2 ? t[1] : "";
                case "FAILED" -> problems.add("guest: " + line.substring(6).strip());
                case "DONE" -> complete = true;
                case "S" -> {
                    if (name != null) {
                        done.add(new ScenarioResults(name, results, reopen, -1));
                    }
                    if (t.length != 3
                            || !TOKEN.matcher(t[1]).matches()
                            || !t[2].startsWith("group=")) {
                        problems.add(where + "unreadable: " + line);
                        name = null;
                        continue;
                    }
                    name = t[1];
                    results = new ArrayList<>();
                    reopen = Optional.empty();
                    try {
                        group = Optional.of(Integer.parseInt(t[2].substring(6)));
                    } catch (NumberFormatException e) {
                        problems.add(where + "unreadable group: " + line);
                    }
                }
                case "R" -> {
                    Optional<ProbeResult> r = result(t);
                    if (name == null) {
                        problems.add(where + "a result outside a scenario: " + line);
                    } else if (r.isEmpty()) {
                        problems.add(where + "in scenario " + name + ": " + line);
                    } else {
                        results.add(r.get());
                    }
                }
                case "X" -> {
                    if (name != null
                            && t.length == 3
                            && t[2].startsWith("reopen=")
                            && !results.isEmpty()) {
                        reopen = Optional.of(t[2].substring(7));
                        // Compared as a result of the exit itself, the operation just before.
                        ProbeResult last = results.remove(results.size() - 1);
                        Map<String, String> v = new LinkedHashMap<>(last.values());
                        v.put("reopen", reopen.get());
                        results.add(new ProbeResult(last.id(), last.errno(), last.lockedKb(), v));
                    } else {
                        problems.add(where + "unreadable: " + line);
                    }
                }
                case "E" -> {
                    if (name == null
                            || t.length != 3
                            || !t[1].equals(name)
                            || !t[2].startsWith("status=")) {
                        problems.add(where + "unreadable: " + line);
                        continue;
                    }
                    int status;
                    try {
                        status = Integer.parseInt(t[2].substring(7));
                    } catch (NumberFormatException e) {
                        status = -1;
                    }
                    if (status != 0) {
                        problems.add(
                                "scenario "
                                        + name
                                        + ": the probe's process ended with status "
                                        + status);
                    }
                    done.add(new ScenarioResults(name, results, reopen, status));
                    name = null;
                }
                default -> problems.add(where + "unknown: " + line);
            }
        }
        if (name != null) {
            done.add(new ScenarioResults(name, results, reopen, -1));
            problems.add("scenario " + name + ": no end line (the guest stopped during it)");
        }
        return new GuestOutput(release, group, done, complete, problems);
    }

    /** {@code R ID RC ERRNO LOCKED_KB [KEY=VALUE ...]}, or empty when any field is malformed. */
    static Optional<ProbeResult> result(String[] t) {
        if (t.length < 5
                || !TOKEN.matcher(t[1]).matches()
                || !NUMBER.matcher(t[2]).matches()
                || !ERRNO.matcher(t[3]).matches()
                || !NUMBER.matcher(t[4]).matches()) {
            return Optional.empty();
        }
        boolean failed = t[2].startsWith("-");
        if (failed == t[3].equals("0")) {
            return Optional.empty(); // a failure without an errno, or an errno on success
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 5; i < t.length; i++) {
            int eq = t[i].indexOf('=');
            if (eq <= 0) {
                return Optional.empty();
            }
            values.put(t[i].substring(0, eq), t[i].substring(eq + 1));
        }
        return Optional.of(new ProbeResult(t[1], t[3], Long.parseLong(t[4]), values));
    }
}
