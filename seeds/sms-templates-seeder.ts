import { Seeder } from '../src/seeding/seeder.js';
import { SMS_TEMPLATES } from './catalog.js';

/** SMS templates: created when missing; an operator's edits are never overwritten. */
export class SMSTemplatesSeeder extends Seeder {
  readonly name = 'SMSTemplatesSeeder';
  override readonly tables = ['sms_templates'];

  async run(): Promise<void> {
    await this.upsertMany('sms_templates', [...SMS_TEMPLATES], { conflict: ['name'], update: 'none' });
  }
}
