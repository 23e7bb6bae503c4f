/**
 * History labels of the events the engine itself sends (a definition cannot
 * title them): one table for the case page, the audit view and the
 * documents, so an event is named alike wherever it is read.
 */
import { MOVE_EVENT_LABELS } from './move-pages.js';

export const ENGINE_EVENT_LABELS: Readonly<Record<string, string>> = {
  ...MOVE_EVENT_LABELS,
  'deadline.rebaselined': '按正式放假安排重新核定期限', 'deadline.extend': '延长期限', 'notification.acknowledged': '确认收到预警', 'task.claim': '认领任务',
  'task.release': '退回任务', 'task.transfer': '转办任务', 'task.sign': '签署', 'task.addSigners': '加签', 'task.removeSigner': '减签', 'task.delegate': '委派', 'task.resolve': '委派办理并交回', 'copy.read': '已阅抄送', 'child.done': '下级案件办结', 'case.created': '创建案件', 'case.routed': '分派责任单位',
};
