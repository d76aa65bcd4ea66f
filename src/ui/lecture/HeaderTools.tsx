/** The header's tools: lecture mode, a link to this view, and the tour (hidden in lecture mode). */
import { Tour } from '../tour/Tour';
import { CopyLink } from '../url/CopyLink';
import { LectureToggle } from './LectureMode';
import './headerTools.css';

export function HeaderTools() {
  return (
    <div className="header-tools" role="group" aria-label="Presentation and sharing">
      <LectureToggle />
      <CopyLink />
      <Tour />
    </div>
  );
}
