/**
 * The training dashboard: where in-page training is run and watched. The training controls
 * (train/TrainingPanel.tsx), then the fixed test digits and the latest metrics, a chart per loss
 * term, the accuracy overlaid on earlier runs, the speed and ETA, every level's templates, and
 * the confusion matrix of the model in use on the test set.
 */
import './dashboard.css';
import { MetricsTable, TrainingSection } from '../train/TrainingPanel';
import { SavedModelsSection } from '../storage/SavedModels';
import { CpuTrainingSection } from '../recovery/CpuTraining';
import { ConfusionSection } from './ConfusionSection';
import { LiveDigitsView } from './LiveDigitsView';
import { TemplatesByLevel } from './TemplatesByLevel';
import { AccuracyOverlay, LossCharts, SpeedChart } from './TrainingCharts';

export function DashboardPanel() {
  return (
    <div className="dashboard" data-testid="dashboard">
      <TrainingSection />
      <CpuTrainingSection />
      <SavedModelsSection />
      <div className="dash-row">
        <LiveDigitsView />
        <section className="dash-box" aria-label="Latest metrics">
          <MetricsTable />
        </section>
      </div>
      <section className="dash-box" aria-label="Training charts">
        <h3>Loss terms, accuracy and speed</h3>
        <div className="dash-charts" data-testid="train-charts">
          <LossCharts />
          <AccuracyOverlay />
          <SpeedChart />
        </div>
      </section>
      <TemplatesByLevel />
      <ConfusionSection />
    </div>
  );
}
