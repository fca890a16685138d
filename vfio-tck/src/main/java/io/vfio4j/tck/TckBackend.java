package io.vfio4j.tck;

import io.vfio4j.api.Errno;
import io.vfio4j.api.GroupKind;
import io.vfio4j.api.IommuType;
import io.vfio4j.api.VfioIommuDriverProvider;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * The backend configuration under test: a provider, the IOMMU type a container asks for, the
 * backend's settings, the host platform, and what it can do. Build one with {@link
 * #builder(VfioIommuDriverProvider, IommuType)}.
 *
 * @param provider the provider under test (a fresh instance is fine; providers are stateless)
 * @param type the type {@code VFIO_SET_IOMMU} asks for
 * @param capabilities what this configuration can do
 * @param refusals errnos that differ from {@link BackendCapability#defaultRefusal()}
 * @param unpinIgnoredWhenUnsupported true if an unpin without {@link
 *     BackendCapability#EXTERNAL_PINNING} is a no-op instead of a refusal (type1 v1 on Linux 6.x)
 * @param settings {@code vfio4j.backend.<name>.<key>} values, keys without the prefix
 * @param platform the simulated host
 * @param mappingRules where type1-style mapping differs from type1 ({@link MappingRules#TYPE1} by
 *     default)
 */
public record TckBackend(
        VfioIommuDriverProvider provider,
        IommuType type,
        Set<BackendCapability> capabilities,
        Map<BackendCapability, Errno> refusals,
        boolean unpinIgnoredWhenUnsupported,
        Map<String, String> settings,
        TckPlatform platform,
        MappingRules mappingRules) {
    public TckBackend {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(type, "type");
        capabilities = Set.copyOf(capabilities);
        refusals = Map.copyOf(refusals);
        settings = Map.copyOf(settings);
        Objects.requireNonNull(platform, "platform");
        Objects.requireNonNull(mappingRules, "mappingRules");
        for (BackendCapability c : capabilities) {
            Set<BackendCapability> missing = EnumSet.noneOf(BackendCapability.class);
            missing.addAll(c.requires());
            missing.removeAll(capabilities);
            if (!missing.isEmpty()) {
                throw new IllegalArgumentException(
                        "capability " + c + " requires " + missing + ", which is not declared");
            }
        }
        if (primaryKind(capabilities) == null) {
            throw new IllegalArgumentException(
                    "declare at least one group kind: GROUP_IOMMU, GROUP_EMULATED or"
                            + " GROUP_NO_IOMMU");
        }
    }

    public static Builder builder(VfioIommuDriverProvider provider, IommuType type) {
        return new Builder(provider, type);
    }

    public boolean supports(BackendCapability capability) {
        return capabilities.contains(capability);
    }

    /** The errno this configuration answers for {@code capability} when it lacks it. */
    public Errno refusal(BackendCapability capability) {
        return refusals.getOrDefault(capability, capability.defaultRefusal());
    }

    /** The capability that accepts groups of {@code kind}. */
    public static BackendCapability groupCapability(GroupKind kind) {
        return switch (kind) {
            case IOMMU -> BackendCapability.GROUP_IOMMU;
            case EMULATED -> BackendCapability.GROUP_EMULATED;
            case NO_IOMMU -> BackendCapability.GROUP_NO_IOMMU;
        };
    }

    public boolean accepts(GroupKind kind) {
        return supports(groupCapability(kind));
    }

    /**
     * The kind of the group a test container is set up with: a hardware group when the backend
     * takes them, else a no-IOMMU group, else an emulated one.
     */
    public GroupKind primaryKind() {
        return primaryKind(capabilities);
    }

    private static GroupKind primaryKind(Set<BackendCapability> capabilities) {
        if (capabilities.contains(BackendCapability.GROUP_IOMMU)) {
            return GroupKind.IOMMU;
        }
        if (capabilities.contains(BackendCapability.GROUP_NO_IOMMU)) {
            return GroupKind.NO_IOMMU;
        }
        if (capabilities.contains(BackendCapability.GROUP_EMULATED)) {
            return GroupKind.EMULATED;
        }
        return null;
    }

    /** True if MAP/UNMAP follow SPAPR TCE rules: replace on overlap, windows, registration. */
    public boolean windowedMapping() {
        return supports(BackendCapability.DMA_MAPPING)
                && !supports(BackendCapability.TYPE1_MAPPING);
    }

    @Override
    public String toString() {
        return provider.name()
                + " as "
                + type
                + " on "
                + platform
                + " "
                + new TreeMap<>(settings)
                + " "
                + new java.util.TreeSet<>(capabilities);
    }

    /**
     * Builds a {@link TckBackend}; defaults: no capabilities, no settings, {@link TckPlatform#X86}.
     */
    public static final class Builder {
        private final VfioIommuDriverProvider provider;
        private final IommuType type;
        private final Set<BackendCapability> capabilities = EnumSet.noneOf(BackendCapability.class);
        private final Map<BackendCapability, Errno> refusals =
                new EnumMap<>(BackendCapability.class);
        private final Map<String, String> settings = new TreeMap<>();
        private boolean unpinIgnored;
        private TckPlatform platform = TckPlatform.X86;
        private MappingRules mappingRules = MappingRules.TYPE1;

        private Builder(VfioIommuDriverProvider provider, IommuType type) {
            this.provider = Objects.requireNonNull(provider, "provider");
            this.type = Objects.requireNonNull(type, "type");
        }

        public Builder supports(BackendCapability... capabilities) {
            this.capabilities.addAll(Set.of(capabilities));
            return this;
        }

        /** Declares the errno this configuration answers for a capability it lacks. */
        public Builder refuses(BackendCapability capability, Errno errno) {
            refusals.put(capability, errno);
            return this;
        }

        /** Without {@link BackendCapability#EXTERNAL_PINNING}, an unpin is a silent no-op. */
        public Builder unpinIgnoredWhenUnsupported() {
            this.unpinIgnored = true;
            return this;
        }

        public Builder setting(String key, String value) {
            settings.put(key, value);
            return this;
        }

        public Builder platform(TckPlatform platform) {
            this.platform = Objects.requireNonNull(platform, "platform");
            return this;
        }

        /** Declares where the backend's type1-style mapping deliberately differs from type1. */
        public Builder mappingRules(MappingRules rules) {
            this.mappingRules = Objects.requireNonNull(rules, "rules");
            return this;
        }

        /**
         * @throws IllegalArgumentException if a capability lacks one it requires
         */
        public TckBackend build() {
            return new TckBackend(
                    provider,
                    type,
                    capabilities,
                    refusals,
                    unpinIgnored,
                    settings,
                    platform,
                    mappingRules);
        }
    }
}
