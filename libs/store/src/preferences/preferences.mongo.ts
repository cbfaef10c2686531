import { Schema, type Connection, type Model } from 'mongoose';
import { isDuplicateKey } from '../mongo-writes';
import { DEFAULT_TIME_ZONE, type Preferences, type PreferencesPatch, type PreferencesRepository } from './preferences.types';

type PreferencesDoc = Preferences & { _id: string };

const preferencesSchema = new Schema<PreferencesDoc>(
  {
    // The user id as _id: routing reads a recipient's preferences for every event, and _id equality is
    // the one lookup FerretDB v1 answers without scanning the collection.
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    optOuts: { type: [{ _id: false, category: String, channel: String }], default: [] },
    quietHours: { type: { _id: false, start: String, end: String }, required: false },
    timeZone: { type: String, required: true },
    locale: String,
    budgets: { type: [{ _id: false, category: String, pushesPerDay: Number }], default: undefined },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'preferences', versionKey: false },
);

/**
 * One document per user, created by an insert (the unique _id settles a race) and changed by
 * `$set`. Two changes racing from two devices: the later write wins on servers that apply updates
 * as whole-document writes (FerretDB v1), which for a settings screen is the expected outcome.
 */
export class MongoPreferencesRepository implements PreferencesRepository {
  readonly model: Model<PreferencesDoc>;
  constructor(connection: Connection) {
    this.model = connection.model<PreferencesDoc>('Preferences', preferencesSchema);
  }

  async get(userId: string): Promise<Preferences | null> {
    const doc = await this.model.findById(userId).lean().exec();
    return doc ? strip(doc) : null;
  }

  async upsert(userId: string, patch: PreferencesPatch): Promise<Preferences> {
    const set = { ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)), updatedAt: new Date() };
    // Insert the first version (the unique userId index settles a race), update afterwards.
    if (!(await this.model.exists({ _id: userId }))) {
      try {
        await this.model.create({ _id: userId, userId, optOuts: [], timeZone: DEFAULT_TIME_ZONE, ...set });
        return (await this.get(userId))!;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    }
    await this.model.updateOne({ _id: userId }, { $set: set }).exec();
    return (await this.get(userId))!;
  }
}

function strip(doc: PreferencesDoc): Preferences {
  const { _id, ...prefs } = doc;
  return prefs;
}
