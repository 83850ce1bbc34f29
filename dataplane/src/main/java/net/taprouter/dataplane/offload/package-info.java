/**
 * What a TAP with offloads needs done in software when a frame cannot leave as it arrived: completing
 * a partial checksum ({@link net.taprouter.dataplane.offload.PartialChecksum}) and segmenting a GSO
 * super-packet ({@link net.taprouter.dataplane.offload.GsoSegmenter}). Pure functions over buffers,
 * no allocation; the stages that use them are in {@code pipeline} ({@code GsoInputStage},
 * {@code OffloadOutputStage}, {@code SegmentStage}).
 */
package net.taprouter.dataplane.offload;
