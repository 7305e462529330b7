/**
 * Unit properties as StartTransientUnit takes them: (name, variant) pairs. The variant's
 * D-Bus signature must match systemd's property type exactly (t = uint64, b, s, au…),
 * or systemd refuses the whole unit with InvalidArgs.
 */
import dbus from 'dbus-next';

export type UnitProperty = [name: string, value: dbus.Variant];

export function uint64Property(name: string, value: bigint): UnitProperty {
  return [name, new dbus.Variant('t', value)];
}

export function booleanProperty(name: string, value: boolean): UnitProperty {
  return [name, new dbus.Variant('b', value)];
}

export function stringProperty(name: string, value: string): UnitProperty {
  return [name, new dbus.Variant('s', value)];
}
