package io.vfio4j.replay;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads QEMU's {@code info ramblock} (HMP) output: {@code Block Name, PSize, Offset, Used, Total,
 * HVA, RO}. The HVA and RO columns exist from QEMU 8.0 on ({@code ram_block_format} in
 * softmmu/physmem.c, commit of 2022-12 "Display HVA and RO status of a ramblock"); older output has
 * no host address and is refused. Used (not Total) is the block's size.
 */
final class RamblockParser {
    private RamblockParser() {}

    static MemoryLayout parse(String file, BufferedReader in)
            throws IOException, ReplayInputException {
        List<MemoryBlock> blocks = new ArrayList<>();
        boolean header = false;
        String line;
        long n = 0;
        while ((line = in.readLine()) != null) {
            n++;
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#") || t.startsWith("(qemu)")) {
                continue;
            }
            if (t.startsWith("Block Name")) {
                if (!t.contains("HVA")) {
                    throw ReplayInputException.at(
                            file,
                            n,
                            1,
                            "this 'info ramblock' has no HVA column (QEMU before 8.0): describe"
                                    + " the blocks as YAML instead");
                }
                header = true;
                continue;
            }
            if (!header) {
                throw ReplayInputException.at(
                        file, n, 1, "expected the 'Block Name ... HVA RO' header of info ramblock");
            }
            blocks.add(row(file, n, line));
        }
        if (blocks.isEmpty()) {
            throw ReplayInputException.at(file, Math.max(n, 1), 1, "no RAM block in the file");
        }
        try {
            return new MemoryLayout(blocks, "info ramblock " + file);
        } catch (IllegalArgumentException e) {
            throw ReplayInputException.at(file, n, 1, e.getMessage());
        }
    }

    // Columns from the right: RO, HVA, Total, Used, Offset, PSize ("4 KiB": two tokens). The name,
    // right-aligned in 24 columns, may hold blanks ("0000:01:00.0 BAR 0 mmaps[0]").
    private static MemoryBlock row(String file, long n, String line) throws ReplayInputException {
        String[] tok = line.strip().split("\\s+");
        if (tok.length < 8) {
            throw ReplayInputException.at(
                    file, n, 1, "expected 'NAME PSIZE UNIT OFFSET USED TOTAL HVA ro|rw'");
        }
        int k = tok.length;
        String ro = tok[k - 1];
        if (!ro.equals("ro") && !ro.equals("rw")) {
            throw ReplayInputException.at(
                    file, n, line.lastIndexOf(ro) + 1, "RO column: expected ro or rw, not " + ro);
        }
        long hva = hex(file, n, line, tok[k - 2]);
        long used = hex(file, n, line, tok[k - 4]);
        long page;
        try {
            page = Sizes.parse(tok[k - 7] + " " + tok[k - 6]);
        } catch (IllegalArgumentException e) {
            throw ReplayInputException.at(
                    file, n, line.indexOf(tok[k - 7]) + 1, "PSize: " + e.getMessage());
        }
        String name = String.join(" ", java.util.Arrays.copyOfRange(tok, 0, k - 7));
        MemoryBlock.Kind kind = kind(name, ro.equals("ro"));
        try {
            return new MemoryBlock(name, hva, used, page, kind);
        } catch (IllegalArgumentException e) {
            throw ReplayInputException.at(file, n, 1, e.getMessage());
        }
    }

    /** ram_device blocks (VFIO BAR mmaps) are named after the BAR; read-only blocks are ROM. */
    static MemoryBlock.Kind kind(String name, boolean readOnly) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.contains(" bar ") && lower.contains("mmaps[")) {
            return MemoryBlock.Kind.DEVICE;
        }
        return readOnly ? MemoryBlock.Kind.ROM : MemoryBlock.Kind.RAM;
    }

    private static long hex(String file, long n, String line, String tok)
            throws ReplayInputException {
        try {
            return Hex.parse(tok);
        } catch (NumberFormatException e) {
            throw ReplayInputException.at(
                    file, n, line.indexOf(tok) + 1, "expected a 0x hexadecimal number, not " + tok);
        }
    }
}
