// Registry entries of the mobile / efficient / inception families (filled in by their modules).
import type { ArchEntry } from './registry.js';

export const MOBILE_ARCHS: Record<string, ArchEntry> = {};
