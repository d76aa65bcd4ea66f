/**
 * The training core's public module (what the page, the CLI and the tests use): the typed run
 * configuration, the data a run reads, TrainRun on WebGPU and on the CPU, checkpoints, and the
 * reference Adam. See docs/TRAINING.md.
 */
export { CR_MARGIN, RUN_CONFIG_VERSION, checkRunConfig, configChanges, defaultRunConfig, defaultWeights, lrAt, parseRunConfig, usesTopDown, weightsAt, type KlSign, type ModelKind, type PseudoLabels, type Ramp, type RunConfig } from './config';
export { byteSplit, fillBatch, floatSplit, gather, pseudoLabelMap, scheduleFor, trainingPool, validationIndices, type DataSplit, type RunData } from './data';
export { NonFiniteError, RunBase, type EvalResult, type RunUpdate, type StepOptions, type StepReport, type Submit, type TrainMetrics, type TrainRun } from './run';
export { GpuTrainRun, submitAll, type GpuRunOptions } from './gpuRun';
export { CpuTrainRun } from './cpuRun';
export { AVERAGE_PREFIX, LAST_PREFIX, decodeRun, emptyProgress, encodeRun, lastIterate, type LogRecord, type RunProgress, type RunSnapshot } from './checkpoint';
export { adamScalars, adamStep, emptyAdam, type AdamSettings, type AdamState } from './adam';
export { Schedule, TRAIN_MODES, balancedSubset, permutation, type TrainMode } from './schedule';
export { thinRows, LOG_CAP } from './log';
